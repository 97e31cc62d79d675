/**
 * Ages as kubectl prints them in its AGE columns: the two most significant
 * units while they are small ("3m20s", "2h5m", "4d3h"), one unit once the
 * finer one stops mattering ("45m", "20h", "30d", "3y").
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

/** `whole` units of `big`, plus `rest` units of `small` unless zero. */
function two(ms: number, big: number, bigUnit: string, small: number, smallUnit: string): string {
  const whole = Math.floor(ms / big);
  const rest = Math.floor((ms - whole * big) / small);
  return rest === 0 ? `${whole}${bigUnit}` : `${whole}${bigUnit}${rest}${smallUnit}`;
}

/** A duration in milliseconds, kubectl style. Slightly negative (clock skew) reads "0s". */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "<invalid>";
  if (ms < -SECOND) return "<invalid>";
  if (ms < 0) return "0s";
  if (ms < 2 * MINUTE) return `${Math.floor(ms / SECOND)}s`;
  if (ms < 10 * MINUTE) return two(ms, MINUTE, "m", SECOND, "s");
  if (ms < 3 * HOUR) return `${Math.floor(ms / MINUTE)}m`;
  if (ms < 8 * HOUR) return two(ms, HOUR, "h", MINUTE, "m");
  if (ms < 2 * DAY) return `${Math.floor(ms / HOUR)}h`;
  if (ms < 8 * DAY) return two(ms, DAY, "d", HOUR, "h");
  if (ms < 2 * YEAR) return `${Math.floor(ms / DAY)}d`;
  if (ms < 8 * YEAR) return two(ms, YEAR, "y", DAY, "d");
  return `${Math.floor(ms / YEAR)}y`;
}

/** Age of an RFC 3339 timestamp at `now` (ms); "<unknown>" when absent or unparsable. */
export function age(timestamp: string | undefined, now: number): string {
  if (timestamp === undefined || timestamp === "") return "<unknown>";
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return "<unknown>";
  return humanDuration(now - t);
}
