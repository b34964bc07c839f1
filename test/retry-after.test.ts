// Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, read as a delay in ms.
import { describe, expect, it } from 'vitest';
import { parseHttpDate, parseRetryAfter } from '../src/lcmcoord/retry-after.ts';

/** Table-driven tests, each named in full for its behaviour (it.each would truncate long names). */
function cases<T extends { name: string }>(table: readonly T[], run: (row: T) => void): void {
  for (const row of table) it(row.name, () => run(row));
}

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const at = (offsetMs: number) => new Date(NOW + offsetMs).toUTCString();

describe('parseRetryAfter', () => {
  cases([
    { name: 'delay-seconds 0 is no delay', value: '0', expected: 0 },
    { name: 'delay-seconds are read as seconds', value: '120', expected: 120_000 },
    { name: 'surrounding whitespace is ignored', value: ' 7 ', expected: 7_000 },
    { name: 'an IMF-fixdate is measured from now when the response has no Date', value: at(30_000), expected: 30_000 },
    { name: 'an RFC 850 date is read as GMT', value: 'Thursday, 15-Jan-26 12:00:45 GMT', expected: 45_000 },
    { name: 'an asctime date is read as GMT', value: 'Thu Jan 15 12:01:00 2026', expected: 60_000 },
    { name: 'an asctime date with a one-digit day is read', value: 'Thu Jan  1 00:00:00 2026', expected: 0 },
    { name: 'a date in the past is no delay, never a negative one', value: at(-60_000), expected: 0 },
  ], ({ value, expected }) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });

  cases([
    { name: 'a missing header', value: undefined },
    { name: 'an empty header', value: '' },
    { name: 'negative seconds (delay-seconds is 1*DIGIT)', value: '-5' },
    { name: 'signed seconds', value: '+5' },
    { name: 'fractional seconds (which Date.parse would read as a date in 2001)', value: '1.5' },
    { name: 'seconds with a unit', value: '5s' },
    { name: 'free text', value: 'soon' },
    { name: 'free text ending in a number (which Date.parse would read as a date)', value: 'later 1' },
    { name: 'an ISO 8601 timestamp (not an HTTP-date)', value: '2026-01-15T12:00:30Z' },
    { name: 'a date that does not exist', value: 'Sat, 31 Feb 2026 12:00:00 GMT' },
    { name: 'a date in another time zone', value: 'Thu, 15 Jan 2026 12:00:30 +0100' },
  ].map((row) => ({ ...row, name: `refuses ${row.name}` })), ({ value }) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });

  it('measures a date against the response Date header, not the local clock', () => {
    // The EM's clock is an hour behind ours; it asks for 10 s.
    const emNow = NOW - 3_600_000;
    const value = new Date(emNow + 10_000).toUTCString();

    expect(parseRetryAfter(value, NOW, new Date(emNow).toUTCString())).toBe(10_000);
    expect(parseRetryAfter(value, NOW)).toBe(0);
  });

  it('measures a date against now when the response Date header is unreadable', () => {
    expect(parseRetryAfter(at(5_000), NOW, 'yesterday')).toBe(5_000);
  });

  it('ignores the response Date header for delay-seconds', () => {
    expect(parseRetryAfter('3', NOW, new Date(NOW - 3_600_000).toUTCString())).toBe(3_000);
  });
});

describe('parseHttpDate', () => {
  it('reads the three forms of RFC 9110 §5.6.7 as the same instant', () => {
    const expected = Date.UTC(1994, 10, 6, 8, 49, 37);

    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(expected);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(expected);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(expected);
  });
});
