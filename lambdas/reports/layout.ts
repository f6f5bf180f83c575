/** Where every report lives in the bucket. Dated, so a month's files share a prefix. */

const datePath = (day: string) => day.replaceAll('-', '/');

export const reportKeys = {
  dailyUsage: (day: string) => `usage/daily/${datePath(day)}/usage-${day}.csv`,
  dailyUsageManifest: (day: string) => `usage/daily/${datePath(day)}/usage-${day}.manifest.json`,
  activity: (day: string) => `audit/activity/${datePath(day)}/activity-${day}.csv`,
  activityManifest: (day: string) => `audit/activity/${datePath(day)}/activity-${day}.manifest.json`,
  adminAudit: (day: string) => `audit/admin/${datePath(day)}/admin-audit-${day}.csv`,
  /** The alerts firing after a day was evaluated, and those resolved that day. */
  alerts: (day: string) => `alerts/${datePath(day)}/alerts-${day}.csv`,
  /** One user-day of activity rows, written by collection and stitched into the daily audit file. */
  activityPart: (day: string, email: string) => `staging/activity/${day}/${encodeURIComponent(email)}.csv`,
  /** Prefixes holding one month's reports (reports bucket) and audit files (audit bucket). */
  monthPrefixes: (month: string) => ({
    reports: [
      `usage/daily/${month.replace('-', '/')}/`,
      `invoices/${month}/`,
      `reports/${month}/`,
      `exports/focus/${month}/`,
    ],
    audit: [`audit/activity/${month.replace('-', '/')}/`, `audit/admin/${month.replace('-', '/')}/`],
  }),
} as const;

export const USAGE_COLUMNS = [
  'date',
  'email',
  'disk_used_bytes',
  'uploaded_bytes',
  'downloaded_bytes',
  'status',
  'storage_quota_gb',
  'is_active',
  'activity_records',
  'usage_source',
  'first_name',
  'last_name',
] as const;

export const ADMIN_AUDIT_COLUMNS = [
  'at',
  'request_id',
  'principal',
  'action',
  'target',
  'outcome',
  'status',
  'code',
  'request',
] as const;

export const ACTIVITY_COLUMNS = ['date', 'email', 'timestamp', 'ip', 'description'] as const;

const issueDir = (month: string, issue: number) =>
  `invoices/${month}/issues/${String(issue).padStart(4, '0')}`;

/** A month's invoice files: each issue's documents (written once), the register (rewritten), drafts apart. */
export const invoiceKeys = {
  issueDocuments: (month: string, issue: number) => `${issueDir(month, issue)}/documents-${month}.csv`,
  issueManifest: (month: string, issue: number) => `${issueDir(month, issue)}/manifest-${month}.json`,
  register: (month: string) => `invoices/${month}/register-${month}.csv`,
  registerManifest: (month: string) => `invoices/${month}/register-${month}.manifest.json`,
  draftInvoices: (month: string, draft: number) =>
    `invoices/${month}/drafts/d${draft}/draft-invoices-${month}.csv`,
  draftSummary: (month: string, draft: number) =>
    `invoices/${month}/drafts/d${draft}/draft-summary-${month}.csv`,
  draftManifest: (month: string, draft: number) =>
    `invoices/${month}/drafts/d${draft}/draft-manifest-${month}.json`,
  /** Margins against the wholesale cost card: rewritten when recomputed (not a billing document). */
  margin: (month: string) => `invoices/${month}/margin-${month}.csv`,
  marginSummary: (month: string) => `invoices/${month}/margin-summary-${month}.csv`,
  marginManifest: (month: string) => `invoices/${month}/margin-${month}.manifest.json`,
  /** One PDF per issued document, written once and never again. */
  documentPdf: (month: string, number: string) => `invoices/${month}/documents/${number}.pdf`,
  workbook: (month: string) => `invoices/${month}/invoices-${month}.xlsx`,
} as const;

/** Files for people and for FinOps tools, rewritten from the ledger whenever the month changes. */
export const monthFileKeys = {
  report: (month: string) => `reports/${month}/report-${month}.html`,
  focus: (month: string) => `exports/focus/${month}/focus-${month}.csv`,
  focusManifest: (month: string) => `exports/focus/${month}/focus-${month}.manifest.json`,
} as const;

/** Finance reconciles against these names and this order; new columns go after `complete`. */
export const INVOICE_COLUMNS = [
  'invoice_number',
  'period_start',
  'period_end',
  'email',
  'first_name',
  'last_name',
  'days_in_period',
  'days_collected',
  'avg_storage_bytes',
  'peak_storage_bytes',
  'storage_quantity',
  'storage_unit',
  'storage_amount',
  'downloaded_bytes',
  'download_amount',
  'uploaded_bytes',
  'upload_amount',
  'minimum_adjustment',
  'subtotal',
  'tax',
  'total',
  'currency',
  'complete',
  'discount',
  'storage_basis',
  'status',
  'document_type',
  'references',
  'issued_at',
  'reason',
  'issue',
] as const;

/** One row per issued document of the month; a customer's net is the sum of `total` over their rows. */
export const REGISTER_COLUMNS = [
  'document_number',
  'document_type',
  'email',
  'issued_at',
  'references',
  'currency',
  'subtotal',
  'tax',
  'total',
  'status',
  'issue',
  'reason',
  'first_name',
  'last_name',
  'storage_amount',
  'download_amount',
  'upload_amount',
  'discount',
  'minimum_adjustment',
] as const;

export const SUMMARY_COLUMNS = [
  'currency',
  'invoices',
  'complete_invoices',
  'storage_tb_months',
  'downloaded_bytes',
  'uploaded_bytes',
  'storage_amount',
  'download_amount',
  'upload_amount',
  'discount',
  'minimum_adjustment',
  'subtotal',
  'tax',
  'total',
] as const;

/** Per customer margin; these ten first, in this order (finance formulas refer to them), then the rest. */
export const MARGIN_COLUMNS = [
  'email',
  'revenue',
  'storage_cost',
  'deleted_storage_cost',
  'user_fee_cost',
  'egress_cost',
  'total_cost',
  'margin',
  'margin_pct',
  'negative_margin',
  'currency',
  'storage_quantity',
  'storage_unit',
  'deleted_bytes_estimate',
  'early_deleted_bytes_estimate',
  'deleted_storage_quantity',
  'downloaded_bytes',
  'excess_egress_bytes',
] as const;

/** The margin summary: one `item,value` pair per line, so it reads as a list in a spreadsheet. */
export const MARGIN_SUMMARY_COLUMNS = ['item', 'value', 'note'] as const;

export const ALERT_COLUMNS = [
  'day',
  'alert_id',
  'kind',
  'email',
  'status',
  'level',
  'value',
  'threshold',
  'detail',
  'fired_day',
  'resolved_day',
  'transition',
] as const;
