const RealDateTimeFormat = Intl.DateTimeFormat;

describe('lean-intl: Intl.DateTimeFormat deferred while modules load', () => {
  let restoreDateTimeFormat: () => void;

  beforeAll(async () => {
    ({ restoreDateTimeFormat } = await import('./lean-intl'));
  });

  afterAll(() => {
    Intl.DateTimeFormat = RealDateTimeFormat;
  });

  it('installs a stand-in that formats exactly as the real formatter, building it on first use', () => {
    expect(Intl.DateTimeFormat).not.toBe(RealDateTimeFormat);
    const options: Intl.DateTimeFormatOptions = { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: 'UTC' };
    const deferred = new Intl.DateTimeFormat('en-GB', options);
    const real = new RealDateTimeFormat('en-GB', options);
    const at = Date.UTC(2026, 11, 5, 23, 59, 1);
    expect(deferred.format(at)).toBe(real.format(at));
    expect(deferred.formatToParts(at)).toEqual(real.formatToParts(at));
    expect(deferred.formatRange(at, at + 86_400_000)).toBe(real.formatRange(at, at + 86_400_000));
    expect(deferred.resolvedOptions()).toEqual(real.resolvedOptions());
    expect(Intl.DateTimeFormat.supportedLocalesOf(['en-GB'])).toEqual(['en-GB']);
  });

  it('restoreDateTimeFormat puts the real constructor back; formatters built before keep working', () => {
    const before = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC' });
    restoreDateTimeFormat();
    expect(Intl.DateTimeFormat).toBe(RealDateTimeFormat);
    expect(new Intl.DateTimeFormat('en-US', { timeZone: 'UTC' })).toBeInstanceOf(RealDateTimeFormat);
    expect(before.format(0)).toBe(new RealDateTimeFormat('en-US', { timeZone: 'UTC' }).format(0));
  });
});
