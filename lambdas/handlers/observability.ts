import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { AttemptTracer } from '../e2/transport.ts';

/** Structured JSON logs; events are never logged whole and the token never reaches a log line. */
export const logger = new Logger({ serviceName: 'e2-ledger' });
export const metrics = new Metrics({ namespace: 'E2Ledger', serviceName: 'e2-ledger' });
/**
 * X-Ray (tracing is active on every function). AWS SDK calls are traced through the patched HTTPS
 * module; IDrive calls through `traceIdriveAttempt`. Responses are never captured: an access key
 * route's response holds a secret key.
 */
export const tracer = new Tracer({ serviceName: 'e2-ledger', captureHTTPsRequests: true });

/**
 * Logs a failed invocation by name and message (the event is never logged) and counts it, before
 * metrics flush. IDrive errors are redacted where they are made, so the message holds no token.
 */
const logFailure = (name: string): MiddlewareObj => ({
  onError: async (request) => {
    const error = request.error as Error | null;
    logger.error(`${name} failed`, { errorName: error?.name, errorMessage: error?.message });
    metrics.addMetric('HandlerFailures', MetricUnit.Count, 1);
  },
});

/**
 * Every handler goes through this: the Lambda context in each log line, metrics published even when
 * the handler throws (Powertools' logMetrics flushes on error too), a cold-start metric, and the
 * invocation as an X-Ray segment whose error, not response, is recorded.
 */
export function instrumented<E, R>(name: string, handler: (event: E, context: Context) => Promise<R>) {
  return middy(handler)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(logFailure(name));
}

/**
 * One X-Ray subsegment per HTTP attempt to IDrive, named after the operation, with the URL (origin
 * and path; the token travels in a header and is never recorded), the status and the attempt number.
 * Subsegments hang off the handler's segment without changing the async context, so concurrent calls
 * do not nest inside one another.
 */
export const traceIdriveAttempt: AttemptTracer = async (span, run) => {
  const parent = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
  if (!parent) return run();
  const sub = parent.addNewSubsegment(`IDrive ${span.operation}`);
  sub.namespace = 'remote';
  sub.addAnnotation('idrive_operation', span.operation);
  sub.addAnnotation('attempt', span.attempt);
  try {
    const result = await run();
    const { report } = result;
    sub.addAttribute('http', {
      request: { method: span.method, url: span.url },
      ...(report.status === null ? {} : { response: { status: report.status } }),
    });
    if (report.throttled) sub.addThrottleFlag();
    if (report.status !== null && report.status >= 500) sub.addFaultFlag();
    else if (!report.ok) sub.addErrorFlag();
    return result;
  } catch (error) {
    sub.addError(error as Error);
    throw error;
  } finally {
    sub.close();
  }
};
