import type Decimal from 'decimal.js';
import type { Currency } from './money.ts';
import type { MissingDays } from './month-invoices.ts';

/** One customer's month: what they paid (net of issued documents, before tax) against what they cost. */
export type MarginRow = {
  readonly email: string;
  readonly revenue: Decimal;
  readonly storageCost: Decimal;
  readonly deletedStorageCost: Decimal;
  readonly userFeeCost: Decimal;
  readonly egressCost: Decimal;
  readonly totalCost: Decimal;
  readonly margin: Decimal;
  /** margin / revenue x 100, half-up to 2 places; null when there is no revenue. */
  readonly marginPct: Decimal | null;
  readonly negativeMargin: boolean;
  /** Average daily stored bytes / unit (the cost card's storage unit). */
  readonly storageQuantity: Decimal;
  /** Bytes deleted during the month (estimate), and those deleted before the minimum duration. */
  readonly deletedBytes: bigint;
  readonly earlyDeletedBytes: bigint;
  /** Unit-months of deleted storage billed (remaining days / days in month x bytes / unit). */
  readonly deletedStorageQuantity: Decimal;
  readonly downloadedBytes: bigint;
  /** Downloads above the free ratio of this customer's own storage (the weight of the egress share). */
  readonly excessEgressBytes: Decimal;
};

/** The account-level figures the provider's bill is made of, as modelled. */
export type ModelledBill = {
  readonly activeStorageQuantity: Decimal;
  /** Active storage at the unit price, before the monthly minimum. */
  readonly activeStorageAtPrice: Decimal;
  readonly storage: Decimal;
  readonly minimumApplied: boolean;
  readonly deletedStorage: Decimal;
  /** The same estimate with the oldest bytes deleted first: the low end of the estimate's range. */
  readonly deletedStorageOldestFirst: Decimal;
  readonly accounts: number;
  readonly billableUsers: number;
  readonly userFee: Decimal;
  readonly billableEgressBytes: Decimal;
  readonly egress: Decimal;
  readonly total: Decimal;
};

export type Reconciliation = {
  readonly providerBill: Decimal;
  readonly modelled: Decimal;
  /** providerBill - modelled. */
  readonly difference: Decimal;
  /** The parts of the model whose uncertainty covers the difference, in words. */
  readonly explanations: readonly string[];
  readonly explained: boolean;
};

export type MarginReport = {
  readonly month: string;
  readonly currency: Currency;
  readonly rows: readonly MarginRow[];
  readonly totals: Omit<
    MarginRow,
    | 'email'
    | 'negativeMargin'
    | 'storageQuantity'
    | 'deletedBytes'
    | 'earlyDeletedBytes'
    | 'deletedStorageQuantity'
    | 'downloadedBytes'
    | 'excessEgressBytes'
  > & { readonly negativeMarginCustomers: number };
  /** The five lowest margins, lowest first (ties by email). */
  readonly lowest: readonly MarginRow[];
  readonly bill: ModelledBill;
  readonly reconciliation: Reconciliation | null;
  readonly documents: number;
  readonly method: {
    readonly deletedStorage: string;
    readonly allocation: string;
    readonly rounding: string;
  };
};

export type MarginRefusal = 'not_issued' | 'missing_user_days' | 'currency_mismatch';

/** The margin cannot be computed yet; nothing was written. */
export class MarginRefusedError extends Error {
  override name = 'MarginRefusedError';
  constructor(
    readonly reason: MarginRefusal,
    message: string,
    readonly missing: readonly MissingDays[] = [],
  ) {
    super(message);
  }
}

export const ALLOCATION_METHOD =
  "storage: the account's active storage cost (the monthly minimum applied to the account) shared in " +
  "proportion to each customer's cost at the unit price (equally when none stores anything); per-user " +
  'fee: the fee for accounts above the free ones shared equally by every account of the month; egress: ' +
  "the billable downloads shared in proportion to each customer's downloads above the free ratio of " +
  'its own storage; deleted storage: each customer its own estimate.';

export const ROUNDING_METHOD =
  'exact decimals throughout; the account-level storage, per-user fee and egress amounts are rounded ' +
  'half-up to the minor unit, then split by largest remainder so the customers add up to them exactly; ' +
  "each customer's deleted-storage estimate is rounded half-up; margin % is rounded half-up to 2 places.";
