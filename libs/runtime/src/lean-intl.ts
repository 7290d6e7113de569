// NestJS's logger modules each build an `Intl.DateTimeFormat` when they load, for the timestamp of its console
// logger. We log through pino (logger.ts), so those formatters never format anything, yet building one reads the
// locale, calendar and time-zone data of ICU: about 5 MB of the Node binary's ICU tables paged in, resident in every
// service (docs/performance.md, "Memory"). While the modules of a service load, `Intl.DateTimeFormat` is a
// stand-in that builds the real formatter on first use; `restoreDateTimeFormat()` (called by runService once every
// module has loaded) puts the real constructor back, so nothing after start-up sees the stand-in. This module is
// imported by the runtime's index before anything imports NestJS.
const RealDateTimeFormat = Intl.DateTimeFormat;

class DeferredDateTimeFormat {
  #real: Intl.DateTimeFormat | undefined;
  readonly #args: ConstructorParameters<typeof Intl.DateTimeFormat>;

  constructor(...args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
    this.#args = args;
  }

  get #formatter(): Intl.DateTimeFormat {
    this.#real ??= new RealDateTimeFormat(...this.#args);
    return this.#real;
  }

  format(date?: Date | number): string {
    return this.#formatter.format(date);
  }

  formatToParts(date?: Date | number): Intl.DateTimeFormatPart[] {
    return this.#formatter.formatToParts(date);
  }

  formatRange(start: Date | number, end: Date | number): string {
    return this.#formatter.formatRange(start, end);
  }

  formatRangeToParts(start: Date | number, end: Date | number): Intl.DateTimeRangeFormatPart[] {
    return this.#formatter.formatRangeToParts(start, end);
  }

  resolvedOptions(): Intl.ResolvedDateTimeFormatOptions {
    return this.#formatter.resolvedOptions();
  }

  static supportedLocalesOf(...args: Parameters<typeof Intl.DateTimeFormat.supportedLocalesOf>): string[] {
    return RealDateTimeFormat.supportedLocalesOf(...args);
  }
}

(Intl as { DateTimeFormat: unknown }).DateTimeFormat = DeferredDateTimeFormat;

/** Puts the real `Intl.DateTimeFormat` back; formatters built while the stand-in was installed stay deferred. */
export function restoreDateTimeFormat(): void {
  (Intl as { DateTimeFormat: unknown }).DateTimeFormat = RealDateTimeFormat;
}
