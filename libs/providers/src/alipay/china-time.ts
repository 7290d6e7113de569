// Alipay writes every time as "yyyy-MM-dd HH:mm:ss" in China Standard Time (UTC+8, no daylight saving), whatever
// the zone of the machine that formats or reads it.
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;
const CHINA_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Formats an instant as Alipay's "yyyy-MM-dd HH:mm:ss" in China time. */
export function formatChinaTime(instant: Date): string {
  const t = new Date(instant.getTime() + CHINA_OFFSET_MS);
  return (
    `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ` +
    `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`
  );
}

/** Parses Alipay's "yyyy-MM-dd HH:mm:ss" China time; undefined when the text is not a real time in that format. */
export function parseChinaTime(text: string): Date | undefined {
  const match = CHINA_TIME.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2024-02-30 over into March; a round trip exposes such impossible dates.
  if (formatChinaTime(new Date(utc - CHINA_OFFSET_MS)) !== text) return undefined;
  return new Date(utc - CHINA_OFFSET_MS);
}
