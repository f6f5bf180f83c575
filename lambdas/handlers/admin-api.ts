import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handleApiRequest } from '../api/app.ts';
import type { RunLauncher } from '../api/routes.ts';
import { newRunId } from '../collect/run-collection.ts';
import { requireEnv } from '../config/env.ts';
import { e2Client, logger, runtime } from './runtime.ts';

/** Backfills start the nightly state machine with an explicit range. */
class StepFunctionsLauncher implements RunLauncher {
  readonly #sfn = new SFNClient({});
  constructor(private readonly stateMachineArn: string) {}

  async start(request: { kind: 'backfill'; from: string; to: string }) {
    // The execution name carries the range; the run id is minted by the listUsers step.
    const name = `backfill-${request.from}-${request.to}-${newRunId(new Date()).slice(-6)}`;
    const started = await this.#sfn.send(
      new StartExecutionCommand({
        stateMachineArn: this.stateMachineArn,
        name,
        input: JSON.stringify({ request }),
      }),
    );
    return { runId: started.executionArn ?? name };
  }
}

let launcher: StepFunctionsLauncher | undefined;

/** API Gateway HTTP API (IAM authorization) -> the admin routes. */
export async function handler(
  event: APIGatewayProxyEventV2WithIAMAuthorizer,
): Promise<APIGatewayProxyStructuredResultV2> {
  const requestId = event.requestContext.requestId;
  const principal = event.requestContext.authorizer?.iam?.userArn;
  // API Gateway enforces IAM on every route; refusing here too means a misconfigured route stays closed.
  if (!principal) {
    return {
      statusCode: 401,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        error: {
          type: 'invalid_request_error',
          code: 'unauthorized',
          message: 'missing or invalid credentials',
          requestId,
        },
      }),
    };
  }
  const rt = runtime();
  const e2 = await e2Client();
  launcher ??= new StepFunctionsLauncher(requireEnv('E2L_STATE_MACHINE_ARN'));
  const body =
    event.body === undefined
      ? null
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  const response = await handleApiRequest(
    {
      e2,
      ledger: rt.ledger,
      objects: rt.objects,
      auditObjects: rt.auditObjects,
      launcher,
      now: () => new Date(),
    },
    {
      method: event.requestContext.http.method,
      path: event.rawPath,
      query: event.queryStringParameters ?? {},
      contentType: event.headers['content-type'],
      body,
      principal,
      requestId,
    },
    { error: (message, detail) => logger.error(message, detail) },
  );
  logger.info('admin request', {
    requestId,
    method: event.requestContext.http.method,
    path: event.rawPath,
    status: response.status,
    principal,
  });
  return {
    statusCode: response.status,
    headers: { ...response.headers, 'x-request-id': requestId },
    body: response.body,
  };
}
