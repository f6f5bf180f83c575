// One Lambda execution environment: loads a bundled asset (cdk.out/asset.<hash>/index.mjs) as the
// Node.js runtime does and runs one invocation at a time, answering over IPC. The module stays loaded
// between invocations, so module-level caches behave as in a warm Lambda container.
// Usage (forked by lambda-service.ts): node lambda-worker.mjs <asset dir> <export name>
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [assetDir, exportName] = process.argv.slice(2);
let handler;
let importError;
try {
  const mod = await import(pathToFileURL(join(assetDir, 'index.mjs')).href);
  handler = mod[exportName];
  if (typeof handler !== 'function')
    importError = {
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: `index.${exportName} is not a function`,
    };
} catch (error) {
  importError = { errorType: 'Runtime.ImportModuleError', errorMessage: String(error?.message ?? error) };
}

process.on('message', async ({ id, event, deadline, requestId, traceId }) => {
  if (importError) return process.send({ id, ok: false, error: importError });
  // The runtime sets the invocation's trace header in the environment before calling the handler.
  process.env._X_AMZN_TRACE_ID = traceId;
  const context = {
    awsRequestId: requestId,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: process.env.E2L_TEST_FUNCTION_ARN,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(event, context);
    process.send({ id, ok: true, result: result === undefined ? null : result });
  } catch (error) {
    process.send({
      id,
      ok: false,
      error: {
        errorType: error?.name ?? 'Error',
        errorMessage: String(error?.message ?? error),
        trace: String(error?.stack ?? '').split('\n'),
      },
    });
  }
});
process.send({ ready: true });
