/**
 * Parses an HTTP `Retry-After` value (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
 * Returns the delay in milliseconds, or undefined when the header is absent or unreadable.
 * A date is measured against the response's own `Date` header when there is one, so a
 * skewed EM clock does not stretch or shrink the wait.
 */
export function parseRetryAfter(value: string | undefined, now: number, responseDate?: string): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^-?\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  const reference = responseDate ? Date.parse(responseDate) : NaN;
  return at - (Number.isNaN(reference) ? now : reference);
}
