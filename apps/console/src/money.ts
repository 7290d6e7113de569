// Amounts are integers of minor units; only the display divides, through Intl, never arithmetic on floats.
const DIGITS: Record<string, number> = { JPY: 0, KRW: 0 };

export function formatMoney(minor: number, currency: string): string {
  const digits = DIGITS[currency] ?? 2;
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const major = Math.floor(abs / 10 ** digits);
  const fraction = String(abs % 10 ** digits).padStart(digits, '0');
  return `${sign}${currency} ${major.toLocaleString('en')}${digits > 0 ? `.${fraction}` : ''}`;
}

/** Parses "12.34" into 1234 minor units (exactly, by string), or undefined when it is not an amount. */
export function parseMoney(text: string, currency: string): number | undefined {
  const digits = DIGITS[currency] ?? 2;
  const match = new RegExp(`^(\\d{1,12})(?:\\.(\\d{1,${digits}}))?$`).exec(text.trim());
  if (match === null || (digits === 0 && text.includes('.'))) return undefined;
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? '').padEnd(digits, '0');
  return Number(whole) * 10 ** digits + Number(fraction || '0');
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
}
