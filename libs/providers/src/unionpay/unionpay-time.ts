// UnionPay writes times in China Standard Time (UTC+8, no daylight saving) whatever the machine zone: txnTime and
// payTimeout as yyyyMMddHHmmss, traceTime as MMddHHmmss (no year), settleDate as MMdd.
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;
const TXN_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;
const TRACE_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Formats an instant as UnionPay's yyyyMMddHHmmss in China time. */
export function formatUnionPayTime(instant: Date): string {
  const t = new Date(instant.getTime() + CHINA_OFFSET_MS);
  return (
    `${pad(t.getUTCFullYear(), 4)}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}` +
    `${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`
  );
}

function chinaInstant(year: number, month: number, day: number, hour: number, minute: number, second: number) {
  const utc = Date.UTC(year, month - 1, day, hour, minute, second) - CHINA_OFFSET_MS;
  const instant = new Date(utc);
  const check = new Date(utc + CHINA_OFFSET_MS);
  // Date.UTC rolls 0230 over into March; a round trip exposes impossible dates and hours.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  return instant;
}

/** Parses UnionPay's yyyyMMddHHmmss China time; undefined when it is not a real time in that format. */
export function parseUnionPayTime(text: string): Date | undefined {
  const match = TXN_TIME.exec(text);
  if (match === null) return undefined;
  const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  return chinaInstant(y, mo, d, h, mi, s);
}

/**
 * Parses a traceTime (MMddHHmmss, China time, no year) of a transaction ordered at `txnTime`: the year is the
 * txnTime's, or the next one when the trace falls before the order (ordered 31 Dec, paid 1 Jan). Undefined when
 * either is malformed.
 */
export function parseUnionPayTraceTime(traceTime: string, txnTime: Date): Date | undefined {
  const match = TRACE_TIME.exec(traceTime);
  if (match === null) return undefined;
  const [mo, d, h, mi, s] = match.slice(1).map(Number) as [number, number, number, number, number];
  const year = new Date(txnTime.getTime() + CHINA_OFFSET_MS).getUTCFullYear();
  const sameYear = chinaInstant(year, mo, d, h, mi, s);
  // A trace a day or more before the order can only be next year's (the clocks of UnionPay and banks differ by
  // seconds, not days).
  if (sameYear !== undefined && sameYear.getTime() >= txnTime.getTime() - 24 * 60 * 60 * 1000) return sameYear;
  return chinaInstant(year + 1, mo, d, h, mi, s) ?? sameYear;
}
