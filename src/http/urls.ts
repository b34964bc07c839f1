// The URLs the VNFM is told to call (EM endpoints, token endpoints, notification callbacks):
// http or https, and never with credentials in them, which would end up in logs, errors and
// history; credentials travel in the authentication parameters.
import { z } from 'zod';

export const HttpUrl = z.url({ protocol: /^https?$/ }).refine((text) => {
  const url = new URL(text);
  return url.username === '' && url.password === '';
}, 'a URL with credentials in it (user:password@host) is refused; give them in authentication');
