/**
 * The single-table layout. Keys by access pattern:
 *   snapshot        pk USER#<email>  sk DAY#<yyyy-MM-dd>   gsi1 DAY#<day> / USER#<email>
 *   user profile    pk USER#<email>  sk PROFILE            gsi1 DIRECTORY / <email>
 *   run summary     pk RUN#<id>      sk SUMMARY            gsi1 RUNS / <startedAt>#<id>
 *   run outcome     pk RUN#<id>      sk USER#<email>
 *   document claim  pk SEQ#<prefix>#<period>  sk N#<00000001>   (the whole document: a number exists
 *                   exactly when its document does; positions are gapless, claimed in order)
 *   month document  pk INVOICES#<yyyy-MM>  sk DOC#<number>     (the month's register: copies of its claims)
 *   issue record    pk INVOICES#<yyyy-MM>  sk ISSUE#<0001>      gsi1 INVOICE-ISSUES / <month>#<0001> once complete
 *   draft record    pk INVOICES#<yyyy-MM>  sk DRAFT#<0001>
 *   lease           pk LEASE#<MONTH#yyyy-MM | PERIOD#yyyy | PERIOD#ALL>  sk LEASE   (one issuer at a time)
 *   legacy (v0.1)   pk INVOICES#<yyyy-MM>  sk NUMBER#<000001> / VERSION#<0001>  (read only, to refuse those months)
 *   audit record    pk AUDIT#<yyyy-MM-dd>  sk <at>#<requestId>#<0 pending | 1 outcome>   (append-only)
 *   alert state     pk ALERTS  sk STATE#<kind>#<email>   (conditional on its version)
 *   alerts meta     pk ALERTS  sk META                   (the last day evaluated)
 *   alert log       pk ALERTLOG#<yyyy-MM-dd>  sk <kind>#<email>#v<00000001>   (one item per transition)
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
  invoiceVersion: (v: number) => `VERSION#${String(v).padStart(4, '0')}`,
  sequence: (sequence: string) => `SEQ#${sequence}`,
  position: (n: number) => `N#${String(n).padStart(8, '0')}`,
  document: (number: string) => `DOC#${number}`,
  issue: (n: number) => `ISSUE#${String(n).padStart(4, '0')}`,
  draft: (n: number) => `DRAFT#${String(n).padStart(4, '0')}`,
  lease: (name: string) => `LEASE#${name}`,
  leaseItem: 'LEASE',
  /** gsi1 partition of completed issues, sorted by month. */
  invoiceIssues: 'INVOICE-ISSUES',
  alerts: 'ALERTS',
  alertState: (id: string) => `STATE#${id}`,
  alertsMeta: 'META',
  alertLog: (day: string) => `ALERTLOG#${day}`,
  alertLogEntry: (id: string, version: number) => `${id}#v${String(version).padStart(8, '0')}`,
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
  sequence: 'SEQ#*',
  lease: 'LEASE#*',
  alerts: keys.alerts,
  alertLog: 'ALERTLOG#*',
} as const;
