import { formatUnionPayTime, parseUnionPayTime, parseUnionPayTraceTime } from './unionpay-time';

describe('UnionPay China time', () => {
  it('formats yyyyMMddHHmmss in UTC+8 whatever the instant, across midnight and year ends', () => {
    expect(formatUnionPayTime(new Date('2026-11-27T02:00:00Z'))).toBe('20261127100000');
    expect(formatUnionPayTime(new Date('2026-11-27T16:00:00Z'))).toBe('20261128000000');
    expect(formatUnionPayTime(new Date('2026-12-31T15:59:59.999Z'))).toBe('20261231235959');
    expect(formatUnionPayTime(new Date('2026-12-31T16:00:00Z'))).toBe('20270101000000');
  });

  it('does not depend on the machine zone (it reads UTC fields only)', () => {
    const instant = new Date('2026-06-01T20:30:05Z');
    const spy = jest.spyOn(Date.prototype, 'getTimezoneOffset').mockReturnValue(-600);
    try {
      expect(formatUnionPayTime(instant)).toBe('20260602043005');
    } finally {
      spy.mockRestore();
    }
  });

  it('parses what it formats and refuses impossible or malformed times', () => {
    expect(parseUnionPayTime('20261128000000')).toEqual(new Date('2026-11-27T16:00:00Z'));
    expect(parseUnionPayTime('20260230100000')).toBeUndefined();
    expect(parseUnionPayTime('20261127240000')).toBeUndefined();
    expect(parseUnionPayTime('2026-11-27 10:00:00')).toBeUndefined();
    expect(parseUnionPayTime('2026112710000')).toBeUndefined();
  });

  it('places a traceTime (MMddHHmmss) in the year of the order, or the next one across New Year', () => {
    const ordered = parseUnionPayTime('20261127100000')!;
    expect(parseUnionPayTraceTime('1127100207', ordered)).toEqual(new Date('2026-11-27T02:02:07Z'));
    const newYearsEve = parseUnionPayTime('20261231235900')!;
    expect(parseUnionPayTraceTime('0101000130', newYearsEve)).toEqual(new Date('2026-12-31T16:01:30Z'));
    expect(parseUnionPayTraceTime('1327100000', ordered)).toBeUndefined();
    expect(parseUnionPayTraceTime('11271000', ordered)).toBeUndefined();
  });
});
