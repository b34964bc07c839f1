/**
 * Parses an HTTP `Retry-After` value (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
 * Returns the delay in milliseconds (never negative: a date in the past means "now"), or
 * undefined when the header is absent or is neither form (a negative number, a fraction,
 * free text). A date is measured against the response's own `Date` header when there is a
 * valid one, so a skewed EM clock does not stretch or shrink the wait.
 */
export function parseRetryAfter(value: string | undefined, now: number, responseDate?: string): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = parseHttpDate(text);
  if (at === undefined) return undefined;
  const reference = (responseDate === undefined ? undefined : parseHttpDate(responseDate.trim())) ?? now;
  return Math.max(0, at - reference);
}

const DAY = '(Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
/** IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT` (what senders must generate). */
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
/** Obsolete RFC 850 form: `Sunday, 06-Nov-94 08:49:37 GMT`. */
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
/** Obsolete asctime form: `Sun Nov  6 08:49:37 1994` (always UTC). */
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

/**
 * An HTTP-date (RFC 9110 §5.6.7) in any of its three forms, as ms since the epoch; undefined
 * for anything else. Strict on purpose: `Date.parse` reads "1.5" or "+5" as dates in 2001.
 */
export function parseHttpDate(text: string): number | undefined {
  const fields = httpDateFields(text);
  if (!fields) return undefined;
  const { year, month, day, time } = fields;
  const [hour, minute, second] = time;
  const monthIndex = MONTHS.indexOf(month);
  const at = new Date(Date.UTC(year, monthIndex, day, hour, minute, second));
  // Date.UTC rolls 31 Feb over into March: refuse a date whose fields do not survive.
  const survived = at.getUTCFullYear() === year && at.getUTCMonth() === monthIndex && at.getUTCDate() === day
    && at.getUTCHours() === hour && at.getUTCMinutes() === minute && at.getUTCSeconds() === second;
  return survived ? at.getTime() : undefined;
}

interface HttpDateFields {
  year: number;
  month: string;
  day: number;
  time: [number, number, number];
}

function httpDateFields(text: string): HttpDateFields | undefined {
  const time = (h?: string, m?: string, s?: string): [number, number, number] => [Number(h), Number(m), Number(s)];
  let m = IMF_FIXDATE.exec(text);
  if (m) return { day: Number(m[2]), month: m[3] ?? '', year: Number(m[4]), time: time(m[5], m[6], m[7]) };
  m = RFC850_DATE.exec(text);
  if (m) return { day: Number(m[2]), month: m[3] ?? '', year: fullYear(Number(m[4])), time: time(m[5], m[6], m[7]) };
  m = ASCTIME_DATE.exec(text);
  if (m) return { month: m[2] ?? '', day: Number(m[3]), time: time(m[4], m[5], m[6]), year: Number(m[7]) };
  return undefined;
}

/** RFC 9110: a two-digit year that would be more than 50 years in the future is in the past century. */
function fullYear(twoDigits: number): number {
  const thisYear = new Date().getUTCFullYear();
  const year = Math.floor(thisYear / 100) * 100 + twoDigits;
  return year > thisYear + 50 ? year - 100 : year;
}
