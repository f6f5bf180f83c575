import type Decimal from 'decimal.js';
import { type Currency, Dec, MINOR_UNITS } from './money.ts';

/**
 * Splits an amount already rounded to the minor unit across parties in proportion to their weights
 * (equally when every weight is zero), by largest remainder: each gets the floor of its exact share
 * in minor units, and the cents left over go one each to the largest fractional parts (ties to the
 * earlier party). The shares add up to the amount exactly.
 */
export function allocate(amount: Decimal, weights: readonly Decimal[], currency: Currency): Decimal[] {
  if (weights.length === 0) return [];
  if (amount.isNegative()) throw new Error(`allocate: ${amount.toString()} is negative`);
  const scale = new Dec(10).pow(MINOR_UNITS[currency]);
  const units = amount.times(scale);
  if (!units.isInteger())
    throw new Error(`allocate: ${amount.toString()} is not in minor units of ${currency}`);
  const sum = weights.reduce((a, w) => a.plus(w), new Dec(0));
  const w = sum.isZero() ? weights.map(() => new Dec(1)) : weights;
  const total = sum.isZero() ? new Dec(weights.length) : sum;
  const exact = w.map((x) => units.times(x).div(total));
  const floors = exact.map((x) => x.floor());
  let left = units.minus(floors.reduce((a, f) => a.plus(f), new Dec(0))).toNumber();
  const order = exact
    .map((x, i) => ({ i, fraction: x.minus(floors[i]!) }))
    .sort((a, b) => b.fraction.comparedTo(a.fraction) || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    floors[i] = floors[i]!.plus(1);
    left--;
  }
  return floors.map((f) => f.div(scale));
}
