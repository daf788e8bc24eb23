/**
 * `Retry-After` (RFC 9110 §10.2.3) as a delay in ms.
 */

/** Longest delay we accept from a server: one hour. A larger value would also overflow a timer. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
// The three HTTP-date forms. Date.parse alone would accept "1" or "2020" and read some forms as local time.
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/**
 * The delay a `Retry-After` value asks for, in ms, clamped to [0, {@link MAX_RETRY_AFTER_MS}].
 *
 * Accepts delta-seconds (a non-negative integer) and the three HTTP-date forms; a date in the past
 * means 0. Anything else, an absent header included, gives `undefined` (no hint). Of a repeated
 * header the first value counts.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return clamp(Number(text) * 1000);
  const date = parseHttpDate(text);
  return date === undefined ? undefined : clamp(date - now);
}

function parseHttpDate(text: string): number | undefined {
  let m = IMF_FIXDATE.exec(text);
  if (m) return utc(m[3], m[2], m[1], m[4], m[5], m[6]);
  m = RFC850_DATE.exec(text);
  if (m) {
    // Two-digit years: RFC 9110 says to read a year more than 50 years ahead as the past century.
    const yy = Number(m[3]);
    const year = yy + (yy < 70 ? 2000 : 1900);
    return utc(String(year), m[2], m[1], m[4], m[5], m[6]);
  }
  m = ASCTIME_DATE.exec(text);
  if (m) return utc(m[6], m[1], m[2], m[3], m[4], m[5]);
  return undefined;
}

function utc(...parts: (string | undefined)[]): number | undefined {
  const [year, month, day, hour, minute, second] = parts;
  const monthIndex = MONTHS.indexOf(month ?? '');
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  // Reject 31 Feb or 25:00 rather than letting Date.UTC roll them over.
  if (monthIndex < 0 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = Date.UTC(Number(year), monthIndex, d, h, mi, Math.min(s, 59));
  return new Date(ms).getUTCDate() === d ? ms : undefined;
}

function clamp(ms: number): number {
  return Math.min(Math.max(Number.isFinite(ms) ? ms : MAX_RETRY_AFTER_MS, 0), MAX_RETRY_AFTER_MS);
}
