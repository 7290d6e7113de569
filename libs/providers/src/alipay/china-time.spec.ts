import { formatChinaTime, parseChinaTime } from './china-time';

describe('China time', () => {
  it('formats in UTC+8 whatever the machine zone', () => {
    expect(formatChinaTime(new Date('2026-01-31T16:05:09Z'))).toBe('2026-02-01 00:05:09');
  });

  it('parses "yyyy-MM-dd HH:mm:ss" as UTC+8', () => {
    expect(parseChinaTime('2026-02-01 00:05:09')?.toISOString()).toBe('2026-01-31T16:05:09.000Z');
  });

  it('rejects other formats and impossible dates', () => {
    for (const text of ['2026-02-30 00:00:00', '2026-02-01T00:05:09', '2026-02-01 24:00:00', '2026-2-1 0:5:9', '']) {
      expect(parseChinaTime(text)).toBeUndefined();
    }
  });
});
