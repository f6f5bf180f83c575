import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { arns } from './cloudformation.ts';
import { evaluate, type PolicyStatement } from './iam-policy.ts';

/**
 * The Lambda service as Step Functions sees it: the Invoke API (POST /2015-03-31/functions/<name>/
 * invocations), answering a function error the way Lambda does (200 with X-Amz-Function-Error and
 * `{errorType, errorMessage, trace}`). Each function runs its bundled asset in execution environments
 * (child processes) that are reused while warm and added when all are busy, one invocation each at a
 * time, killed at the function's timeout. The caller must be allowed lambda:InvokeFunction.
 */

export type FunctionSpec = {
  readonly logicalId: string;
  readonly name: string;
  /** cdk.out/asset.<hash>, holding index.mjs. */
  readonly assetDir: string;
  /** The handler's export (`index.listUsers` -> `listUsers`). */
  readonly exportName: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** The environment as deployed (template values resolved) plus the endpoints of the emulators. */
  readonly environment: Readonly<Record<string, string>>;
};

/** An in-process stand-in for a service integration (the Distributed Map), invoked like a function. */
export type InProcessFunction = (event: unknown) => Promise<unknown>;

export type FunctionError = { errorType: string; errorMessage: string; trace?: string[] };

export type Invocation = {
  readonly function: string;
  readonly event: unknown;
  readonly startedAt: number;
  readonly ms: number;
  readonly coldStart: boolean;
  readonly error: FunctionError | null;
  /** What the function returned (null when it failed or returned nothing). */
  readonly result?: unknown;
  /** The X-Ray trace id the invocation ran under (`1-…`), when it ran in an execution environment. */
  readonly traceId?: string;
};

/** A fault to inject: return an error to fail this invocation as a crashed function would. */
export type FaultInjector = (
  functionLogicalId: string,
  event: unknown,
  attempt: number,
) => FunctionError | null;

type Worker = { child: ChildProcess; busy: boolean; ready: Promise<void> };

/** A segment or subsegment as the X-Ray SDK sends it to the daemon (the fields the tests read). */
export type XraySegment = {
  readonly name: string;
  readonly id: string;
  readonly trace_id: string;
  readonly parent_id?: string;
  readonly namespace?: string;
  readonly annotations?: Record<string, unknown>;
  readonly http?: { request?: { method?: string; url?: string }; response?: { status?: number } };
  readonly error?: boolean;
  readonly fault?: boolean;
  readonly throttle?: boolean;
  readonly subsegments?: readonly XraySegment[];
  /** The datagram as received, for checks that nothing secret was recorded. */
  readonly raw: string;
};

const WORKER = join(import.meta.dirname, 'lambda-worker.mjs');

export class LambdaService {
  readonly invocations: Invocation[] = [];
  /** Every line a function printed (its CloudWatch log), by logical id. */
  readonly logs = new Map<string, string[]>();
  faults: FaultInjector | null = null;
  readonly #functions = new Map<string, FunctionSpec>();
  readonly #inProcess = new Map<string, InProcessFunction>();
  readonly #workers = new Map<string, Worker[]>();
  readonly #callers = new Map<string, readonly PolicyStatement[]>();
  readonly #attempts = new Map<string, number>();
  readonly #queued = new Set<Promise<void>>();
  #server: Server | undefined;
  #xray: Socket | undefined;
  endpoint = '';
  /** What the functions' X-Ray SDK sent to the daemon address (UDP), one entry per datagram. */
  readonly traces: XraySegment[] = [];

  register(spec: FunctionSpec) {
    this.#functions.set(spec.name, spec);
    this.logs.set(spec.logicalId, []);
  }

  registerInProcess(name: string, fn: InProcessFunction) {
    this.#inProcess.set(name, fn);
  }

  /** Who may invoke (the state machine role, signing with this access key id) and its policy. */
  caller(accessKeyId: string, statements: readonly PolicyStatement[]) {
    this.#callers.set(accessKeyId, statements);
  }

  async start() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', () => resolve()));
    this.endpoint = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    // The X-Ray daemon's side of the protocol: `{"format":"json","version":1}\n<segment JSON>` per datagram.
    this.#xray = createSocket('udp4');
    this.#xray.on('message', (message) => {
      const raw = message.toString('utf8');
      const body = raw.slice(raw.indexOf('\n') + 1);
      try {
        this.traces.push({ ...(JSON.parse(body) as Omit<XraySegment, 'raw'>), raw });
      } catch {
        this.traces.push({ name: '(unparsable datagram)', id: '', trace_id: '', raw });
      }
    });
    await new Promise<void>((resolve) => this.#xray!.bind(0, '127.0.0.1', () => resolve()));
  }

  /** Waits until no datagram has arrived for `quietMs` (the SDK sends after the handler returns). */
  async tracesSettled(quietMs = 200, maxMs = 5_000): Promise<void> {
    const until = Date.now() + maxMs;
    let seen = -1;
    while (seen !== this.traces.length && Date.now() < until) {
      seen = this.traces.length;
      await new Promise((r) => setTimeout(r, quietMs));
    }
  }

  /** Every segment and subsegment received, flattened (subsegments may arrive nested or streamed). */
  spans(): XraySegment[] {
    const out: XraySegment[] = [];
    const walk = (s: XraySegment) => {
      out.push(s);
      for (const child of s.subsegments ?? []) walk({ ...child, raw: s.raw });
    };
    for (const t of this.traces) walk(t);
    return out;
  }

  async stop() {
    // Queued asynchronous invocations finish first (a function still running would lose its emulators).
    await Promise.race([this.asyncSettled(), new Promise((r) => setTimeout(r, 30_000))]);
    for (const workers of this.#workers.values()) for (const w of workers) w.child.kill('SIGKILL');
    const xray = this.#xray;
    this.#xray = undefined;
    xray?.close();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  /** Gives a function another timeout from its next invocation on (a clock that runs out sooner). */
  setTimeout(name: string, seconds: number): void {
    const spec = this.#functions.get(name);
    if (!spec) throw new Error(`no function ${name}`);
    this.#functions.set(name, { ...spec, timeoutSeconds: seconds });
  }

  /** Waits for every asynchronous (InvocationType Event) invocation queued so far to finish. */
  async asyncSettled(): Promise<void> {
    while (this.#queued.size > 0) await Promise.all([...this.#queued]);
  }

  /** Invokes a function directly, as API Gateway or a schedule would. */
  async invoke(name: string, event: unknown): Promise<{ result: unknown; error: FunctionError | null }> {
    const spec = this.#functions.get(name);
    if (!spec) throw new Error(`no function ${name}`);
    return this.#run(spec, event);
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || !match)
      return reply(404, { message: `not the Invoke API: ${req.method} ${req.url}` });
    const ref = decodeURIComponent(match[1]!);
    const name = ref.startsWith('arn:') ? ref.split(':')[6]! : ref;
    const key = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
    const statements = this.#callers.get(key);
    const inProcess = this.#inProcess.get(name);
    // The Map runner is Step Functions' own machinery, not a function: no invoke permission applies.
    const decision = inProcess
      ? { allowed: true, reason: 'service integration' }
      : statements
        ? evaluate(statements, { action: 'lambda:InvokeFunction', resource: arns.lambda(name) })
        : { allowed: false, reason: `unknown caller ${key}` };
    if (!decision.allowed)
      return reply(
        403,
        { Type: 'User', message: `AccessDeniedException: ${decision.reason}` },
        { 'x-amzn-errortype': 'AccessDeniedException' },
      );
    const event = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    let outcome: { result: unknown; error: FunctionError | null };
    if (inProcess) {
      try {
        outcome = { result: await inProcess(event), error: null };
      } catch (error) {
        const e = error as Error & {
          errorType?: string;
          $response?: { statusCode?: number; body?: unknown };
        };
        const upstream = e.$response ? ` (HTTP ${e.$response.statusCode} from an emulator)` : '';
        outcome = {
          result: null,
          error: { errorType: e.errorType ?? e.name, errorMessage: `${e.message}${upstream}` },
        };
        this.invocations.push({
          function: name,
          event,
          startedAt: Date.now(),
          ms: 0,
          coldStart: false,
          error: outcome.error,
        });
      }
    } else {
      const spec = this.#functions.get(name);
      if (!spec)
        return reply(
          404,
          { Type: 'User', message: `Function not found: ${name}` },
          { 'x-amzn-errortype': 'ResourceNotFoundException' },
        );
      // InvocationType Event: Lambda queues the event, answers 202 at once, and retries a failed
      // run twice (the function's async configuration); the caller never sees the result.
      if (String(req.headers['x-amz-invocation-type'] ?? '') === 'Event') {
        const queued = (async () => {
          for (let attempt = 1; attempt <= 3; attempt++) if (!(await this.#run(spec, event)).error) return;
        })();
        this.#queued.add(queued);
        void queued.finally(() => this.#queued.delete(queued));
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end('');
        return;
      }
      outcome = await this.#run(spec, event);
    }
    if (outcome.error) return reply(200, outcome.error, { 'x-amz-function-error': 'Unhandled' });
    return reply(200, outcome.result);
  }

  async #run(spec: FunctionSpec, event: unknown): Promise<{ result: unknown; error: FunctionError | null }> {
    const startedAt = Date.now();
    const attemptKey = `${spec.logicalId}:${JSON.stringify(event)}`;
    const attempt = (this.#attempts.get(attemptKey) ?? 0) + 1;
    this.#attempts.set(attemptKey, attempt);
    const injected = this.faults?.(spec.logicalId, event, attempt) ?? null;
    if (injected) {
      this.invocations.push({
        function: spec.logicalId,
        event,
        startedAt,
        ms: 0,
        coldStart: false,
        error: injected,
      });
      return { result: null, error: injected };
    }
    const { worker, cold } = this.#worker(spec);
    worker.busy = true;
    try {
      await worker.ready;
      const traceId = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
      const outcome = await this.#send(spec, worker, event, traceId);
      this.invocations.push({
        traceId,
        function: spec.logicalId,
        event,
        startedAt,
        ms: Date.now() - startedAt,
        coldStart: cold,
        error: outcome.error,
        result: outcome.result,
      });
      return outcome;
    } finally {
      worker.busy = false;
    }
  }

  #worker(spec: FunctionSpec): { worker: Worker; cold: boolean } {
    const pool = this.#workers.get(spec.name) ?? [];
    this.#workers.set(spec.name, pool);
    const idle = pool.find((w) => !w.busy && w.child.exitCode === null && w.child.signalCode === null);
    if (idle) return { worker: idle, cold: false };
    const child = fork(WORKER, [spec.assetDir, spec.exportName], {
      env: {
        PATH: process.env.PATH ?? '',
        ...spec.environment,
        AWS_LAMBDA_FUNCTION_NAME: spec.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
        // As the Node.js runtime sets them with active tracing: the SDK runs in Lambda mode and
        // streams each closed subsegment to the daemon address.
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        _HANDLER: `index.${spec.exportName}`,
        LAMBDA_TASK_ROOT: spec.assetDir,
        AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(this.#xray!.address() as AddressInfo).port}`,
        AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
        E2L_TEST_FUNCTION_ARN: arns.lambda(spec.name),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [],
    });
    const log = this.logs.get(spec.logicalId)!;
    const collect = (chunk: Buffer) => log.push(...chunk.toString().split('\n').filter(Boolean));
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const ready = new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`${spec.logicalId} exited (${code}) while starting`)));
    });
    ready.catch(() => {});
    const worker: Worker = { child, busy: false, ready };
    pool.push(worker);
    return { worker, cold: true };
  }

  #send(
    spec: FunctionSpec,
    worker: Worker,
    event: unknown,
    traceId: string,
  ): Promise<{ result: unknown; error: FunctionError | null }> {
    const id = randomUUID();
    const deadline = Date.now() + spec.timeoutSeconds * 1000;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        worker.child.kill('SIGKILL');
        resolve({
          result: null,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `Task timed out after ${spec.timeoutSeconds} seconds`,
          },
        });
      }, spec.timeoutSeconds * 1000);
      const onMessage = (message: { id?: string; ok?: boolean; result?: unknown; error?: FunctionError }) => {
        if (message.id !== id) return;
        clearTimeout(timer);
        worker.child.off('message', onMessage);
        worker.child.off('exit', onExit);
        resolve(
          message.ok ? { result: message.result, error: null } : { result: null, error: message.error! },
        );
      };
      const onExit = (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        worker.child.off('message', onMessage);
        resolve({
          result: null,
          error: {
            errorType: 'Runtime.ExitError',
            errorMessage: `RequestId: ${id} Error: Runtime exited (${code ?? signal})`,
          },
        });
      };
      worker.child.on('message', onMessage);
      worker.child.once('exit', onExit);
      const header = `Root=${traceId};Parent=${randomBytes(8).toString('hex')};Sampled=1`;
      worker.child.send({ id, event, deadline, requestId: id, traceId: header });
    });
  }
}
