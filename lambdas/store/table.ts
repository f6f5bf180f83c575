/**
 * The single-table layout. Keys by access pattern:
 *   snapshot        pk USER#<email>  sk DAY#<yyyy-MM-dd>   gsi1 DAY#<day> / USER#<email>
 *   user profile    pk USER#<email>  sk PROFILE            gsi1 DIRECTORY / <email>
 *   run summary     pk RUN#<id>      sk SUMMARY            gsi1 RUNS / <startedAt>#<id>
 *   run outcome     pk RUN#<id>      sk USER#<email>
 *   invoice number  pk INVOICES#<yyyy-MM>  sk NUMBER#<000001>   (the claim is the assignment: gapless)
 *   invoice version pk INVOICES#<yyyy-MM>  sk VERSION#<0001>  gsi1 INVOICE-ISSUES / <month>#<version> once issued
 *   audit record    pk AUDIT#<yyyy-MM-dd>  sk <at>#<requestId>#<0 pending | 1 outcome>   (append-only)
 * The CDK stack and the local setup both create the table from these names.
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi1: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
} as const;

export const keys = {
  user: (email: string) => `USER#${email}`,
  day: (day: string) => `DAY#${day}`,
  profile: 'PROFILE',
  directory: 'DIRECTORY',
  run: (runId: string) => `RUN#${runId}`,
  runSummary: 'SUMMARY',
  runs: 'RUNS',
  audit: (day: string) => `AUDIT#${day}`,
  invoices: (month: string) => `INVOICES#${month}`,
  invoiceNumber: (n: number) => `NUMBER#${String(n).padStart(6, '0')}`,
  invoiceVersion: (v: number) => `VERSION#${String(v).padStart(4, '0')}`,
  /** gsi1 partition of completed, issued (non-draft) invoice versions, sorted by month. */
  invoiceIssues: 'INVOICE-ISSUES',
} as const;

/**
 * Partition-key patterns for `dynamodb:LeadingKeys` conditions: what each function may touch is
 * granted by these, so they must match `keys` above. Index queries are checked against the index's
 * partition key (gsi1pk).
 */
export const KEY_PATTERNS = {
  user: 'USER#*',
  day: 'DAY#*',
  directory: keys.directory,
  run: 'RUN#*',
  runs: keys.runs,
  audit: 'AUDIT#*',
  invoices: 'INVOICES#*',
  invoiceIssues: keys.invoiceIssues,
} as const;
