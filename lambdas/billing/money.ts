import Decimal from 'decimal.js';

/**
 * Exact decimal arithmetic for money: 80 significant digits (byte counts reach 10^17 when summed over a
 * month, prices have a handful of decimals), half-up rounding where we round. No binary floats.
 */
export const Dec = Decimal.clone({
  precision: 80,
  rounding: Decimal.ROUND_HALF_UP,
  toExpNeg: -100,
  toExpPos: 100,
});
export type Dec = Decimal;

/** ISO 4217 minor units of the currencies a rate card may use. */
export const MINOR_UNITS = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  CAD: 2,
  AUD: 2,
  NZD: 2,
  CHF: 2,
  SEK: 2,
  NOK: 2,
  DKK: 2,
  PLN: 2,
  INR: 2,
  SGD: 2,
  HKD: 2,
  ZAR: 2,
  BRL: 2,
  MXN: 2,
  JPY: 0,
  KRW: 0,
} as const;
export type Currency = keyof typeof MINOR_UNITS;

/** Half-up to the currency's minor unit. */
export function roundMoney(amount: Decimal, currency: Currency): Decimal {
  return amount.toDecimalPlaces(MINOR_UNITS[currency], Decimal.ROUND_HALF_UP);
}

/** `12.30` for USD, `1230` for JPY: exactly the minor-unit digits, never exponent notation. */
export function formatMoney(amount: Decimal, currency: Currency): string {
  return amount.toFixed(MINOR_UNITS[currency], Decimal.ROUND_HALF_UP);
}
