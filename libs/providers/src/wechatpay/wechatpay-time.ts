// WeChat Pay API v3 times are RFC 3339 with an offset (success_time, time_expire, create_time); it writes China time.
const CHINA_OFFSET_MS = 8 * 3600 * 1000;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;

/** `instant` as WeChat Pay writes times: China time with its offset, "2026-11-27T10:00:00+08:00" (no fraction). */
export function formatWechatpayTime(instant: Date): string {
  if (Number.isNaN(instant.getTime())) throw new RangeError('formatWechatpayTime needs a valid Date');
  return `${new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/**
 * Parses an RFC 3339 date-time that carries an offset (Z or ±hh:mm), as WeChat Pay sends; undefined for anything
 * else, including impossible dates ("2026-02-30") and times without an offset (their zone would be a guess).
 */
export function parseWechatpayTime(text: unknown): Date | undefined {
  if (typeof text !== 'string') return undefined;
  const match = RFC3339.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = match[7] === undefined ? 0 : Math.floor(Number(`0${match[7]}`) * 1000);
  const zone = match[8];
  const offsetHours = match[9] === undefined ? 0 : Number(match[9]);
  const offsetMinutes = match[10] === undefined ? 0 : Number(match[10]);
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(local);
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
  const sign = zone.startsWith('-') ? -1 : 1;
  const offsetMs = zone === 'Z' ? 0 : sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  return new Date(local - offsetMs + fraction);
}
