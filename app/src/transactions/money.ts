/**
 * Currencies the service accepts (ISO 4217) and their number of minor-unit decimals.
 * JPY has no minor unit, so a JPY amount must be a whole number.
 */
export const CURRENCY_DECIMALS: Readonly<Record<string, number>> = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  JPY: 0,
};

/** The largest accepted amount, in major units of any currency. */
export const MAX_MAJOR_AMOUNT = 1_000_000;

/** True when `code` is an accepted ISO 4217 currency code (upper case). */
export function isSupportedCurrency(code: string): boolean {
  return Object.prototype.hasOwnProperty.call(CURRENCY_DECIMALS, code);
}

/** The result of parsing an amount: minor units, or why the text is not a valid amount. */
export type AmountResult = { ok: true; minor: number } | { ok: false; message: string };

/**
 * Parses a decimal string (e.g. "12.50") into integer minor units of `currency`: at most as
 * many decimals as the currency has, greater than zero, at most {@link MAX_MAJOR_AMOUNT}.
 * Integers are exact: no floating point is involved.
 */
export function parseAmount(text: string, currency: string): AmountResult {
  const decimals = CURRENCY_DECIMALS[currency] ?? 2;
  const match = /^(0|[1-9][0-9]{0,6})(?:\.([0-9]{1,2}))?$/.exec(text);
  if (!match) {
    return { ok: false, message: 'must be a decimal string like "12.34" (no sign, exponent or separators, at most 2 decimals)' };
  }
  const [, whole, fraction = ''] = match;
  if (fraction.length > decimals) {
    return { ok: false, message: decimals === 0 ? `must be a whole number for ${currency}` : `must have at most ${decimals} decimals for ${currency}` };
  }
  const minor = Number(whole) * 10 ** decimals + Number(fraction.padEnd(decimals, '0') || '0');
  if (minor <= 0) return { ok: false, message: 'must be greater than zero' };
  if (minor > MAX_MAJOR_AMOUNT * 10 ** decimals) return { ok: false, message: `must be at most ${MAX_MAJOR_AMOUNT}` };
  return { ok: true, minor };
}

/** Formats integer minor units as the canonical decimal string of `currency` (e.g. 1250 USD -> "12.50"). */
export function formatAmount(minor: number, currency: string): string {
  const decimals = CURRENCY_DECIMALS[currency] ?? 2;
  if (decimals === 0) return String(minor);
  const factor = 10 ** decimals;
  return `${Math.trunc(minor / factor)}.${String(minor % factor).padStart(decimals, '0')}`;
}
