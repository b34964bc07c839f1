// The URLs the VNFM is told to call (EM endpoints, token endpoints, notification callbacks):
// http or https, and never with credentials in them, which would end up in logs, errors and
// history; credentials travel in the authentication parameters.
import { z } from 'zod';

export const HttpUrl = z.url({ protocol: /^https?$/ }).refine((text) => !hasCredentials(text),
  'a URL with credentials in it (user:password@host) is refused; give them in authentication');

/** zod runs refinements even after its URL check failed: a text that is no URL is left to that check. */
function hasCredentials(text: string): boolean {
  try {
    const url = new URL(text);
    return url.username !== '' || url.password !== '';
  } catch {
    return false;
  }
}
