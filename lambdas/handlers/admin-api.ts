import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { handleApiRequest } from '../api/app.ts';
import { unauthorized } from '../api/http-error.ts';
import { isRole, type Role, roleOfPrincipal } from '../api/roles.ts';
import type { RunLauncher } from '../api/route.ts';
import { ConfigError, requireEnv } from '../config/env.ts';
import { e2Client } from './e2-runtime.ts';
import { instrumented, logger, metrics } from './observability.ts';
import { runtime } from './runtime.ts';

/** Backfills start the nightly state machine; the execution is named after the run. */
class StepFunctionsLauncher implements RunLauncher {
  readonly #sfn = new SFNClient({});
  constructor(private readonly stateMachineArn: string) {}

  async start(request: { kind: 'backfill'; from: string; to: string }, runId: string) {
    const started = await this.#sfn.send(
      new StartExecutionCommand({
        stateMachineArn: this.stateMachineArn,
        name: runId,
        input: JSON.stringify({ request, runId }),
      }),
    );
    return { executionArn: started.executionArn ?? null };
  }
}

/** `E2L_ROLE_NAMES` (`<IAM role name>:<role>,...`, from the stack) and `E2L_ADMIN_PRINCIPALS` (JSON). */
export function principalRoles(env: NodeJS.ProcessEnv = process.env) {
  const roleNames: Record<string, Role> = {};
  for (const pair of (env.E2L_ROLE_NAMES ?? '').split(',').filter(Boolean)) {
    const [name, role] = pair.split(':');
    if (!name || !role || !isRole(role)) throw new ConfigError(`E2L_ROLE_NAMES has a bad entry: "${pair}"`);
    roleNames[name] = role;
  }
  const parsed = z
    .record(z.string(), z.enum(['viewer', 'operator', 'admin']))
    .safeParse(JSON.parse(env.E2L_ADMIN_PRINCIPALS?.trim() || '{}'));
  if (!parsed.success)
    throw new ConfigError('E2L_ADMIN_PRINCIPALS must map principal ARNs to viewer, operator or admin');
  return { roleNames, principals: parsed.data };
}

let launcher: StepFunctionsLauncher | undefined;
let roles: ReturnType<typeof principalRoles> | undefined;

/** API Gateway HTTP API (IAM authorization) -> the admin routes. */
async function adminApi(
  event: APIGatewayProxyEventV2WithIAMAuthorizer,
): Promise<APIGatewayProxyStructuredResultV2> {
  const requestId = event.requestContext.requestId;
  const principal = event.requestContext.authorizer?.iam?.userArn;
  // API Gateway enforces IAM on every route; refusing here too means a misconfigured route stays closed.
  if (!principal) {
    metrics.addMetric('AdminRequests', MetricUnit.Count, 1);
    const refused = unauthorized(requestId);
    return {
      statusCode: refused.status,
      headers: { ...refused.headers, 'x-request-id': requestId },
      body: refused.body,
    };
  }
  const rt = runtime();
  const e2 = await e2Client();
  launcher ??= new StepFunctionsLauncher(requireEnv('E2L_STATE_MACHINE_ARN'));
  roles ??= principalRoles();
  const body =
    event.body === undefined
      ? null
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  const role = roleOfPrincipal(principal, roles);
  const response = await handleApiRequest(
    {
      e2,
      ledger: rt.ledger,
      objects: rt.objects,
      auditObjects: rt.auditObjects,
      launcher,
      now: () => new Date(),
      status: {
        rateCardKey: rt.config.rateCardKey,
        schedule: rt.config.schedule,
        recollectDays: rt.config.settings.recollectDays,
      },
      limits: { maxRunDays: rt.config.settings.maxRunDays },
    },
    {
      method: event.requestContext.http.method,
      path: event.rawPath,
      query: event.queryStringParameters ?? {},
      contentType: event.headers['content-type'],
      body,
      principal,
      role,
      requestId,
    },
    { error: (message, detail) => logger.error(message, detail) },
  );
  metrics.addMetric('AdminRequests', MetricUnit.Count, 1);
  if (response.status >= 500) metrics.addMetric('AdminServerErrors', MetricUnit.Count, 1);
  logger.info('admin request', {
    requestId,
    method: event.requestContext.http.method,
    path: event.rawPath,
    status: response.status,
    principal,
    role,
  });
  return {
    statusCode: response.status,
    headers: { ...response.headers, 'x-request-id': requestId },
    body: response.body,
  };
}

export const handler = instrumented('adminApi', adminApi);
