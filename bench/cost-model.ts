/**
 * What one nightly and one monthly run cost in AWS, from figures a bench run measured (requests,
 * items and their sizes, objects, per-request overhead, render times) and unit prices given as an
 * input file (bench/aws-prices.json). Every assumption is printed with the table.
 */

export type Prices = {
  lambda: { perGbSecondArm64: number; perMillionRequests: number };
  stepFunctions: { perThousandStateTransitions: number };
  dynamodb: { perMillionWriteRequestUnits: number; perMillionReadRequestUnits: number };
  s3: { perThousandPut: number; perThousandGet: number };
  cloudwatchLogs: { perGbIngested: number };
  sns: { perMillionPublishes: number };
  assumptions: {
    idriveLatencyMs: number;
    logBytesPerInvocation: number;
    alertPublishesPerThousandCustomersPerNight: number;
  };
};

/** Per customer (or per customer-day), as measured by the bench. */
export type Measured = {
  /** IDrive requests per customer for one nightly (one new day plus the re-collected window). */
  apiRequestsPerCustomerNight: number;
  /** Days a nightly collects per customer (yesterday and the re-collection window). */
  daysPerNight: number;
  /** Client-side time per request above the API's own latency (parsing, storing), in ms. */
  overheadMsPerRequest: number;
  /** DynamoDB write request units per customer-day stored (snapshot items by size, 1 KB per unit). */
  writeUnitsPerCustomerDay: number;
  /** Other writes per customer per nightly: profile refresh, cursor, run outcome. */
  writeUnitsPerCustomerNight: number;
  /** Read units per customer-day read back (eventually consistent: 4 KB per half unit). */
  readUnitsPerCustomerDay: number;
  /** S3 PUTs and GETs per customer-day (activity parts above the inline size). */
  s3PutsPerCustomerDay: number;
  /** Finalize's CPU time per customer-day exported, in ms. */
  exportMsPerCustomerDay: number;
  /** Monthly: issuing time per customer and the documents' write units (claim + month copy). */
  issueMsPerCustomer: number;
  writeUnitsPerDocument: number;
  /** Month files: PDF rendering per document, in ms. */
  pdfMsPerDocument: number;
};

export type Deployment = {
  batchSize: number;
  requestsInFlightPerBatch: number;
  collectMemoryGb: number;
  finalizeMemoryGb: number;
  monthlyMemoryGb: number;
  monthFilesMemoryGb: number;
  /** State transitions: the main execution's and each Distributed Map child execution's. */
  mainTransitions: number;
  childTransitions: number;
  /** S3 objects written per night regardless of customers (day files, manifests, run files). */
  s3PutsPerNightFixed: number;
};

export type CostLine = { item: string; nightly: number; monthly: number; basis: string };

export function costFor(customers: number, m: Measured, p: Prices, d: Deployment): CostLine[] {
  const batches = Math.ceil(customers / d.batchSize);
  const gbs = (memoryGb: number, ms: number) => (memoryGb * ms) / 1000;
  // One batch: its requests a few in flight at once, each the API's latency plus our overhead.
  const batchMs =
    (d.batchSize / d.requestsInFlightPerBatch) *
    m.apiRequestsPerCustomerNight *
    (p.assumptions.idriveLatencyMs + m.overheadMsPerRequest);
  const finalizeMs = customers * m.daysPerNight * m.exportMsPerCustomerDay + 1000;
  const monthlyMs = customers * m.issueMsPerCustomer + 2000;
  const monthFilesMs = customers * m.pdfMsPerDocument + 5000;
  const customerDaysNight = customers * m.daysPerNight;
  const lambdaNight =
    (gbs(d.collectMemoryGb, batchMs) * batches + gbs(d.finalizeMemoryGb, finalizeMs) + gbs(0.5, 3000)) *
      p.lambda.perGbSecondArm64 +
    ((batches + 2) * p.lambda.perMillionRequests) / 1e6;
  const lambdaMonth =
    (gbs(d.monthlyMemoryGb, monthlyMs) + gbs(d.monthFilesMemoryGb, monthFilesMs)) *
      p.lambda.perGbSecondArm64 +
    (2 * p.lambda.perMillionRequests) / 1e6;
  const sfnNight =
    ((d.mainTransitions + batches * d.childTransitions) * p.stepFunctions.perThousandStateTransitions) / 1000;
  const ddbNight =
    ((customerDaysNight * m.writeUnitsPerCustomerDay + customers * m.writeUnitsPerCustomerNight) *
      p.dynamodb.perMillionWriteRequestUnits) /
      1e6 +
    // Reads: the stored days of the window per customer, and finalize's pass over the exported days.
    (2 * customerDaysNight * m.readUnitsPerCustomerDay * p.dynamodb.perMillionReadRequestUnits) / 1e6;
  const ddbMonth =
    (customers * m.writeUnitsPerDocument * p.dynamodb.perMillionWriteRequestUnits) / 1e6 +
    (customers * 31 * m.readUnitsPerCustomerDay * 2 * p.dynamodb.perMillionReadRequestUnits) / 1e6; // issue + month files
  const s3Night =
    ((customerDaysNight * m.s3PutsPerCustomerDay + d.s3PutsPerNightFixed) * p.s3.perThousandPut) / 1000 +
    ((customerDaysNight * m.s3PutsPerCustomerDay + batches) * p.s3.perThousandGet) / 1000;
  const s3Month = ((customers + 12) * p.s3.perThousandPut) / 1000 + (customers * p.s3.perThousandGet) / 1000; // PDFs + files
  const logsNight =
    (((batches + 2) * p.assumptions.logBytesPerInvocation) / 1e9) * p.cloudwatchLogs.perGbIngested;
  const logsMonth = ((4 * p.assumptions.logBytesPerInvocation) / 1e9) * p.cloudwatchLogs.perGbIngested;
  const snsNight =
    ((customers / 1000) *
      p.assumptions.alertPublishesPerThousandCustomersPerNight *
      p.sns.perMillionPublishes) /
    1e6;
  return [
    {
      item: 'Lambda (GB-s and requests)',
      nightly: lambdaNight,
      monthly: lambdaMonth,
      basis: `${batches} batch(es) of ${d.batchSize}, ${Math.round(batchMs / 1000)} s each`,
    },
    {
      item: 'Step Functions (state transitions)',
      nightly: sfnNight,
      monthly: 0,
      basis: `${d.mainTransitions} + ${d.childTransitions} per child execution`,
    },
    {
      item: 'DynamoDB on-demand (write/read units)',
      nightly: ddbNight,
      monthly: ddbMonth,
      basis: `${customerDaysNight} customer-days a night`,
    },
    {
      item: 'S3 (PUT/GET)',
      nightly: s3Night,
      monthly: s3Month,
      basis: 'activity parts, day files; a PDF per document',
    },
    {
      item: 'CloudWatch Logs (ingestion)',
      nightly: logsNight,
      monthly: logsMonth,
      basis: `${p.assumptions.logBytesPerInvocation} bytes per invocation`,
    },
    {
      item: 'SNS (alerts)',
      nightly: snsNight,
      monthly: 0,
      basis: `${p.assumptions.alertPublishesPerThousandCustomersPerNight} per 1,000 customers a night`,
    },
  ];
}
