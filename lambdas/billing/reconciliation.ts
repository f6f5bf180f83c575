import type Decimal from 'decimal.js';
import type { CostCard } from './cost-card.ts';
import type { ModelledBill, Reconciliation } from './margin-model.ts';
import { type Currency, Dec, MINOR_UNITS } from './money.ts';

/**
 * How the provider's bill compares with the model, and which parts of the model could explain the
 * difference: the deleted-storage estimate (a range from oldest-first to newest-first), a yearly
 * per-user fee billed in one month rather than a twelfth each month, rounding, and storage the
 * ledger does not see (accounts outside it).
 */
export function reconcile(
  providerBill: Decimal,
  bill: ModelledBill,
  card: CostCard,
  currency: Currency,
): Reconciliation {
  const difference = providerBill.minus(bill.total);
  const cent = new Dec(1).div(new Dec(10).pow(MINOR_UNITS[currency]));
  const tolerance = cent.times(Math.max(1, bill.accounts)).div(2);
  const explanations: string[] = [];
  const deletedLow = bill.deletedStorageOldestFirst.minus(bill.deletedStorage);
  if (difference.abs().lte(tolerance)) {
    explanations.push(
      `within rounding (at most ${tolerance.toFixed(MINOR_UNITS[currency])} over ${bill.accounts} account(s)): the model matches the bill`,
    );
  }
  if (difference.isNegative() && difference.gte(deletedLow.minus(tolerance)))
    explanations.push(
      `deleted storage: the model takes the newest bytes first (${bill.deletedStorage.toFixed(2)}); deleting the oldest first gives ${bill.deletedStorageOldestFirst.toFixed(2)}; the bill lies in that range, so older data than assumed was deleted`,
    );
  const yearly = new Dec(card.users.yearlyFeePerUser).times(bill.billableUsers);
  if (
    bill.billableUsers > 0 &&
    !difference.isNegative() &&
    difference.lte(yearly.minus(bill.userFee).plus(tolerance))
  )
    explanations.push(
      `per-user fee: the model bills a twelfth of the yearly fee (${bill.userFee.toFixed(2)}); a provider billing the year at once (${yearly.toFixed(2)}) for ${bill.billableUsers} account(s) would explain up to ${yearly.minus(bill.userFee).toFixed(2)} more`,
    );
  if (difference.gt(tolerance))
    explanations.push(
      'the bill is higher than the model: storage or accounts the ledger does not see (test accounts, accounts outside e2-ledger), egress terms that differ from the cost card, or a price change',
    );
  if (difference.lt(deletedLow.minus(tolerance)))
    explanations.push(
      'the bill is lower than even the lowest modelled cost: check the cost card (prices, minimum, free users) against the contract, or credits on the bill',
    );
  const explained =
    difference.abs().lte(tolerance) ||
    (difference.isNegative() && difference.gte(deletedLow.minus(tolerance))) ||
    (bill.billableUsers > 0 &&
      !difference.isNegative() &&
      difference.lte(yearly.minus(bill.userFee).plus(tolerance)));
  return { providerBill, modelled: bill.total, difference, explanations, explained };
}
