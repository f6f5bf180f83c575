import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ACCOUNT, REGION } from './cloudformation.ts';

/**
 * A Distributed Map state, split in two for execution here:
 *
 * - In the definition moto runs, the Map state becomes a Task with the same Next/End, Catch, Retry,
 *   InputPath, ResultPath, ResultSelector and OutputPath, whose Parameters are the Map's own
 *   ItemReader.Parameters, ItemBatcher.BatchInput and ResultWriter.Parameters. So moto's interpreter
 *   evaluates every path in them exactly as written (a key without `.$` stays literal text).
 * - That Task invokes `runDistributedMap` (through the Lambda bridge), which does what moto's parser
 *   cannot: reads the items (ItemReader, S3 JSON), batches them (ItemBatcher), runs each batch as a
 *   child execution of the ItemProcessor (a state machine of its own in moto) at most MaxConcurrency
 *   at a time, applies ToleratedFailurePercentage / Count, and writes ResultWriter's files.
 *
 * Any Map field this does not implement is refused when the definition is read.
 */

// biome-ignore lint/suspicious/noExplicitAny: Amazon States Language JSON
type Json = any;

const TASK_FIELDS = [
  'Next',
  'End',
  'Catch',
  'Retry',
  'InputPath',
  'ResultPath',
  'ResultSelector',
  'OutputPath',
  'Comment',
];
const MAP_FIELDS = new Set([
  ...TASK_FIELDS,
  'Type',
  'ItemProcessor',
  'ItemReader',
  'ItemBatcher',
  'MaxConcurrency',
  'ToleratedFailurePercentage',
  'ToleratedFailureCount',
  'ResultWriter',
]);

export type MapConfig = {
  readonly stateName: string;
  readonly reader: { readonly resource: string; readonly inputType: string };
  readonly maxItemsPerBatch: number | null;
  readonly maxInputBytesPerBatch: number | null;
  readonly maxConcurrency: number;
  /** Null when the state does not set it. */
  readonly toleratedFailurePercentage: number | null;
  readonly toleratedFailureCount: number | null;
  readonly writes: boolean;
  /** The ItemProcessor as a state machine definition of its own. */
  readonly processorDefinition: Json;
};

export class UnsupportedDefinitionError extends Error {
  override name = 'UnsupportedDefinitionError';
}

/** Splits a DISTRIBUTED Map state into the Task moto runs and the config `runDistributedMap` uses. */
export function splitDistributedMap(
  stateName: string,
  state: Json,
  functionArn: string,
): { task: Json; config: MapConfig } {
  const mode = state.ItemProcessor?.ProcessorConfig?.Mode;
  if (mode !== 'DISTRIBUTED')
    throw new UnsupportedDefinitionError(`${stateName}: only DISTRIBUTED Map states are bridged`);
  for (const key of Object.keys(state))
    if (!MAP_FIELDS.has(key))
      throw new UnsupportedDefinitionError(`${stateName}: Map field ${key} is not implemented here`);
  for (const key of Object.keys(state.ItemBatcher ?? {}))
    if (!['MaxItemsPerBatch', 'MaxInputBytesPerBatch', 'BatchInput'].includes(key))
      throw new UnsupportedDefinitionError(`${stateName}: ItemBatcher.${key} is not implemented here`);
  if (
    state.ItemReader?.ReaderConfig &&
    Object.keys(state.ItemReader.ReaderConfig).some((k) => k !== 'InputType')
  )
    throw new UnsupportedDefinitionError(
      `${stateName}: ItemReader.ReaderConfig beyond InputType is not implemented here`,
    );
  if (!state.ItemReader)
    throw new UnsupportedDefinitionError(
      `${stateName}: a Distributed Map without an ItemReader is not implemented here`,
    );
  const parameters: Json = { readerParameters: state.ItemReader.Parameters ?? {} };
  if (state.ItemBatcher?.BatchInput !== undefined) parameters.batchInput = state.ItemBatcher.BatchInput;
  if (state.ResultWriter) parameters.writerParameters = state.ResultWriter.Parameters ?? {};
  const task: Json = { Type: 'Task', Resource: functionArn, Parameters: parameters };
  for (const key of TASK_FIELDS) if (key in state) task[key] = state[key];
  const { ProcessorConfig: _p, ...processor } = state.ItemProcessor;
  return {
    task,
    config: {
      stateName,
      reader: {
        resource: String(state.ItemReader.Resource),
        inputType: String(state.ItemReader.ReaderConfig?.InputType ?? 'JSON'),
      },
      maxItemsPerBatch: state.ItemBatcher?.MaxItemsPerBatch ?? null,
      maxInputBytesPerBatch: state.ItemBatcher?.MaxInputBytesPerBatch ?? null,
      maxConcurrency: state.MaxConcurrency ?? 0,
      toleratedFailurePercentage: state.ToleratedFailurePercentage ?? null,
      toleratedFailureCount: state.ToleratedFailureCount ?? null,
      writes: Boolean(state.ResultWriter),
      processorDefinition: processor,
    },
  };
}

/** A child execution's input may be at most 256 KiB, as in Step Functions. */
const MAX_INPUT_BYTES = 256 * 1024;

export type MapRun = {
  readonly config: MapConfig;
  readonly processorArn: string;
  readonly batches: { input: Json; status: string; error?: string; cause?: string }[];
};

export class MapRunError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = errorType;
  }
}

export async function runDistributedMap(
  event: Json,
  deps: {
    readonly config: MapConfig;
    readonly processorArn: string;
    /** S3 as the state machine's role (its policy is enforced by the IAM proxy). */
    readonly s3: S3Client;
    readonly sfn: SFNClient;
    readonly onRun?: (run: MapRun) => void;
  },
): Promise<Json> {
  const { config } = deps;
  if (!/:states:::s3:getObject$/.test(config.reader.resource) || config.reader.inputType !== 'JSON')
    throw new MapRunError(
      'States.Runtime',
      `ItemReader ${config.reader.resource} (${config.reader.inputType}) is not implemented here`,
    );
  const { Bucket, Key } = event.readerParameters ?? {};
  if (typeof Bucket !== 'string' || typeof Key !== 'string')
    throw new MapRunError(
      'States.Runtime',
      `ItemReader.Parameters did not evaluate to a Bucket and Key: ${JSON.stringify(event.readerParameters)}`,
    );
  const object = await deps.s3.send(new GetObjectCommand({ Bucket, Key }));
  const items: unknown = JSON.parse(await object.Body!.transformToString());
  if (!Array.isArray(items)) throw new MapRunError('States.ItemReaderFailed', `${Key} is not a JSON array`);

  const batches: Json[][] = [];
  let current: Json[] = [];
  for (const item of items) {
    const next = [...current, item];
    const full = config.maxItemsPerBatch !== null && next.length > config.maxItemsPerBatch;
    const tooBig =
      config.maxInputBytesPerBatch !== null &&
      Buffer.byteLength(JSON.stringify(next)) > config.maxInputBytesPerBatch;
    if ((full || tooBig) && current.length > 0) {
      batches.push(current);
      current = [item];
    } else current = next;
  }
  if (current.length > 0) batches.push(current);
  const batched =
    config.maxItemsPerBatch !== null || config.maxInputBytesPerBatch !== null || 'batchInput' in event;
  const inputs = batched
    ? batches.map((b) => ({ Items: b, ...('batchInput' in event ? { BatchInput: event.batchInput } : {}) }))
    : items;

  const run: MapRun = { config, processorArn: deps.processorArn, batches: [] };
  const mapRunId = randomUUID();
  const results: Json[] = [];
  let index = 0;
  const limit = config.maxConcurrency > 0 ? config.maxConcurrency : 10_000;
  const worker = async () => {
    for (;;) {
      const i = index++;
      if (i >= inputs.length) return;
      const input = JSON.stringify(inputs[i]);
      if (Buffer.byteLength(input) > MAX_INPUT_BYTES) {
        run.batches[i] = { input: inputs[i], status: 'FAILED', error: 'States.DataLimitExceeded' };
        continue;
      }
      const started = await deps.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: deps.processorArn,
          name: `${mapRunId.slice(0, 8)}-${i}`,
          input,
        }),
      );
      for (;;) {
        const d = await deps.sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
        if (d.status !== 'RUNNING') {
          run.batches[i] = {
            input: inputs[i],
            status: d.status ?? 'UNKNOWN',
            ...(d.error ? { error: d.error } : {}),
            ...(d.cause ? { cause: d.cause } : {}),
          };
          results[i] = {
            ExecutionArn: started.executionArn,
            Input: input,
            Name: `${mapRunId.slice(0, 8)}-${i}`,
            Output: d.output,
            Status: d.status,
            Error: d.error,
            Cause: d.cause,
          };
          break;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  deps.onRun?.(run);

  const mapRunArn = `arn:aws:states:${REGION}:${ACCOUNT}:mapRun:${deps.processorArn.split(':').at(-1)}/${mapRunId}`;
  let writerDetails: Json;
  if (config.writes) {
    const { Bucket: outBucket, Prefix = '' } = event.writerParameters ?? {};
    const base = `${Prefix ? `${String(Prefix).replace(/\/$/, '')}/` : ''}${mapRunId}`;
    const succeeded = results.filter((r) => r?.Status === 'SUCCEEDED');
    const failed = results.filter((r) => r && r.Status !== 'SUCCEEDED');
    const files: Record<string, Json[]> = { SUCCEEDED: [], FAILED: [], PENDING: [] };
    for (const [kind, rows] of [
      ['SUCCEEDED', succeeded],
      ['FAILED', failed],
    ] as const) {
      if (rows.length === 0) continue;
      const key = `${base}/${kind}_0.json`;
      const body = JSON.stringify(rows);
      await deps.s3.send(new PutObjectCommand({ Bucket: outBucket, Key: key, Body: body }));
      files[kind]!.push({ Key: key, Size: Buffer.byteLength(body) });
    }
    const manifestKey = `${base}/manifest.json`;
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: outBucket,
        Key: manifestKey,
        Body: JSON.stringify({ DestinationBucket: outBucket, MapRunArn: mapRunArn, ResultFiles: files }),
      }),
    );
    writerDetails = { Bucket: outBucket, Key: manifestKey };
  }

  const failures = run.batches.filter((b) => b.status !== 'SUCCEEDED').length;
  const failedShare = inputs.length === 0 ? 0 : (failures * 100) / inputs.length;
  // Either threshold, when set, fails the run once exceeded; with neither set, any failure does.
  const { toleratedFailureCount: count, toleratedFailurePercentage: share } = config;
  const exceeded =
    (count !== null && failures > count) ||
    (share !== null && failedShare > share) ||
    (count === null && share === null && failures > 0);
  if (exceeded) {
    throw new MapRunError(
      'States.ExceedToleratedFailureThreshold',
      `The specified tolerated failure threshold was exceeded: ${failures} of ${inputs.length} child executions failed (${failedShare.toFixed(1)}%, tolerated ${share ?? 0}% / ${count ?? 0})`,
    );
  }
  if (config.writes) return { MapRunArn: mapRunArn, ResultWriterDetails: writerDetails };
  return results.map((r) => (r?.Output ? JSON.parse(r.Output) : null));
}
