import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { ACCOUNT, arns, REGION } from './cloudformation.ts';
import { type AccessRequest, evaluate, type PolicyStatement } from './iam-policy.ts';

/**
 * IAM in front of the emulated services. Each function's worker signs with its own access key id; a
 * proxy per service reads the request, works out the IAM action, resource and condition keys as AWS
 * does, evaluates the function's policy from the template, and either answers the service's own
 * AccessDenied error or forwards the request untouched. Every decision is recorded.
 */

export type Principal = { readonly name: string; readonly statements: readonly PolicyStatement[] };

export type RecordedCall = AccessRequest & {
  readonly caller: string;
  readonly service: Service;
  readonly allowed: boolean;
  readonly reason: string;
};

export type Service = 'dynamodb' | 's3' | 'secretsmanager' | 'sfn' | 'sns';

type Classified = { readonly requests: readonly AccessRequest[] };

// biome-ignore lint/suspicious/noExplicitAny: DynamoDB JSON bodies
type Json = any;

const s = (v: Json): string | undefined => (v && typeof v.S === 'string' ? v.S : undefined);

/** The partition-key value a key condition fixes: `pk = :v`, `#n = :v AND ...`, `(gsi1pk = :v)`. */
function leadingKeyOfQuery(body: Json): string[] {
  const names = body.ExpressionAttributeNames ?? {};
  const condition: string = body.KeyConditionExpression ?? '';
  const pkName = body.IndexName ? 'gsi1pk' : 'pk';
  for (const m of condition.matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    const name = m[1]!.startsWith('#') ? names[m[1]!] : m[1];
    if (name === pkName) {
      const value = s(body.ExpressionAttributeValues?.[m[2]!]);
      if (value !== undefined) return [value];
    }
  }
  throw new Error(`cannot find the partition key in KeyConditionExpression "${condition}"`);
}

export function classifyDynamoDb(target: string, body: Json): Classified {
  const op = target.split('.')[1] ?? '';
  const action = `dynamodb:${op}`;
  const table = (name: string) => arns.table(name);
  switch (op) {
    case 'GetItem':
    case 'DeleteItem':
    case 'UpdateItem':
      return {
        requests: [
          {
            action,
            resource: table(body.TableName),
            context: { 'dynamodb:LeadingKeys': [s(body.Key?.pk) ?? ''] },
          },
        ],
      };
    case 'PutItem':
      return {
        requests: [
          {
            action,
            resource: table(body.TableName),
            context: { 'dynamodb:LeadingKeys': [s(body.Item?.pk) ?? ''] },
          },
        ],
      };
    case 'Query':
      return {
        requests: [
          {
            action,
            resource: body.IndexName
              ? `${table(body.TableName)}/index/${body.IndexName}`
              : table(body.TableName),
            context: { 'dynamodb:LeadingKeys': leadingKeyOfQuery(body) },
          },
        ],
      };
    case 'BatchWriteItem':
      return {
        requests: Object.entries(body.RequestItems ?? {}).map(([name, writes]) => ({
          action,
          resource: table(name),
          context: {
            'dynamodb:LeadingKeys': [
              ...new Set(
                (writes as Json[]).map((w) => s(w.PutRequest?.Item?.pk) ?? s(w.DeleteRequest?.Key?.pk) ?? ''),
              ),
            ],
          },
        })),
      };
    case 'BatchGetItem':
      return {
        requests: Object.entries(body.RequestItems ?? {}).map(([name, get]) => ({
          action,
          resource: table(name),
          context: {
            'dynamodb:LeadingKeys': [...new Set(((get as Json).Keys as Json[]).map((k) => s(k.pk) ?? ''))],
          },
        })),
      };
    default:
      return { requests: [{ action, resource: table(body.TableName ?? '*') }] };
  }
}

/** Path-style S3 requests: `/<bucket>[/<key>]?<query>`. */
export function classifyS3(method: string, url: URL, headers: IncomingMessage['headers']): Classified {
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  const q = url.searchParams;
  const object = `${arns.bucket(bucket)}/${key}`;
  const one = (action: string, resource: string, context?: Record<string, string[]>): Classified => ({
    requests: [{ action, resource, ...(context ? { context } : {}) }],
  });
  if (!key) {
    if (method === 'GET' && (q.get('list-type') === '2' || !url.search))
      return one(
        's3:ListBucket',
        arns.bucket(bucket),
        q.has('prefix') ? { 's3:prefix': [q.get('prefix')!] } : undefined,
      );
    if (method === 'GET' && q.has('versions')) return one('s3:ListBucketVersions', arns.bucket(bucket));
    if (method === 'POST' && q.has('delete')) return one('s3:DeleteObject', `${arns.bucket(bucket)}/*`);
    return one(`s3:${method}Bucket`, arns.bucket(bucket));
  }
  if (method === 'GET' || method === 'HEAD')
    return one(q.has('versionId') ? 's3:GetObjectVersion' : 's3:GetObject', object);
  if (method === 'PUT') {
    if (q.has('retention')) return one('s3:PutObjectRetention', object);
    if (q.has('legal-hold')) return one('s3:PutObjectLegalHold', object);
    const copy = headers['x-amz-copy-source'];
    if (typeof copy === 'string') {
      const source = decodeURIComponent(copy.replace(/^\//, '').split('?')[0]!);
      return {
        requests: [
          { action: 's3:PutObject', resource: object },
          { action: 's3:GetObject', resource: arns.bucket(source) },
        ],
      };
    }
    return one('s3:PutObject', object);
  }
  if (method === 'POST') return one('s3:PutObject', object); // CreateMultipartUpload, CompleteMultipartUpload
  if (method === 'DELETE')
    return q.has('uploadId')
      ? one('s3:AbortMultipartUpload', object)
      : one(q.has('versionId') ? 's3:DeleteObjectVersion' : 's3:DeleteObject', object);
  return one(`s3:${method}`, object);
}

export function classifySecretsManager(target: string, body: Json): Classified {
  const op = target.split('.')[1] ?? '';
  return { requests: [{ action: `secretsmanager:${op}`, resource: String(body.SecretId ?? '*') }] };
}

export function classifyStepFunctions(target: string, body: Json): Classified {
  const op = target.split('.')[1] ?? '';
  const resource = body.stateMachineArn ?? body.executionArn ?? '*';
  return { requests: [{ action: `states:${op}`, resource: String(resource) }] };
}

/** SNS speaks the Query protocol: a form body with Action and TopicArn (PublishBatch is sns:Publish). */
export function classifySns(body: string): Classified {
  const form = new URLSearchParams(body);
  const op = form.get('Action') ?? '';
  const action = op === 'PublishBatch' ? 'sns:Publish' : `sns:${op}`;
  return { requests: [{ action, resource: form.get('TopicArn') ?? '*' }] };
}

function accessKeyOf(headers: IncomingMessage['headers']): string | null {
  const auth = headers.authorization;
  const m = typeof auth === 'string' ? /Credential=([^/]+)\//.exec(auth) : null;
  return m ? m[1]! : null;
}

function deniedResponse(service: Service, caller: string, reason: string, res: ServerResponse) {
  const who = `arn:aws:sts::${ACCOUNT}:assumed-role/${caller}/${caller}`;
  const message = `User: ${who} is not authorized: ${reason}`;
  if (service === 'sns') {
    res.writeHead(403, { 'content-type': 'text/xml' });
    res.end(
      `<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>${message}</Message></Error></ErrorResponse>`,
    );
    return;
  }
  if (service === 's3') {
    res.writeHead(403, { 'content-type': 'application/xml' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>${message}</Message></Error>`,
    );
    return;
  }
  const json = service === 'secretsmanager' ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0';
  res.writeHead(400, { 'content-type': json });
  res.end(
    JSON.stringify({
      __type:
        service === 'dynamodb' ? 'com.amazon.coral.service#AccessDeniedException' : 'AccessDeniedException',
      Message: message,
      message,
    }),
  );
}

export class IamProxies {
  readonly calls: RecordedCall[] = [];
  readonly #principals = new Map<string, Principal>();
  readonly #servers: Server[] = [];
  readonly endpoints = {} as Record<Service, string>;

  /** Registers a caller: its access key id and the statements of its policies. */
  principal(accessKeyId: string, principal: Principal) {
    this.#principals.set(accessKeyId, principal);
  }

  async start(upstreams: Record<Service, string>) {
    for (const service of Object.keys(upstreams) as Service[]) {
      const upstream = new URL(upstreams[service]);
      const server = createServer((req, res) => this.#handle(service, upstream, req, res));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      this.#servers.push(server);
      this.endpoints[service] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
  }

  async stop() {
    for (const server of this.#servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** Calls the named caller made that its policy refused. */
  denied(caller?: string): RecordedCall[] {
    return this.calls.filter((c) => !c.allowed && (caller === undefined || c.caller === caller));
  }

  async #handle(service: Service, upstream: URL, req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const key = accessKeyOf(req.headers);
    const principal = key ? this.#principals.get(key) : undefined;
    const caller = principal?.name ?? `unknown key ${key}`;
    let classified: Classified;
    try {
      const url = new URL(req.url ?? '/', 'http://proxy');
      const target = String(req.headers['x-amz-target'] ?? '');
      const json = () => (body.length ? JSON.parse(body.toString('utf8')) : {});
      classified =
        service === 'dynamodb'
          ? classifyDynamoDb(target, json())
          : service === 's3'
            ? classifyS3(req.method ?? 'GET', url, req.headers)
            : service === 'secretsmanager'
              ? classifySecretsManager(target, json())
              : service === 'sns'
                ? classifySns(body.toString('utf8'))
                : classifyStepFunctions(target, json());
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`iam proxy could not read the request: ${(error as Error).message}`);
      return;
    }
    let refusal: string | null = null;
    for (const request of classified.requests) {
      const decision = principal
        ? evaluate(principal.statements, request)
        : { allowed: false, reason: 'unknown caller' };
      this.calls.push({ ...request, caller, service, allowed: decision.allowed, reason: decision.reason });
      if (!decision.allowed && refusal === null) refusal = decision.reason;
    }
    if (refusal !== null) return deniedResponse(service, caller, refusal, res);
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    forwarded.on('error', (error) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`upstream ${service} failed: ${error.message}`);
    });
    forwarded.end(body);
  }
}

export { REGION };
