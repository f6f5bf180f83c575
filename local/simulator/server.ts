// Over 300 lines on purpose: the whole HTTP surface (routing, auth, faults, quirks of the reference)
// in one place, so every way the simulator answers differently from the model is visible together.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isoDay } from './dataset.ts';
import { SimModel, type SimReply } from './model.ts';
import { seededStream } from './random.ts';
import { InvalidParameters } from './validate.ts';

export type FaultSettings = {
  /** Share of API requests answered 500 request_processing_failed. */
  error500Rate: number;
  /** Share answered 429 with a Retry-After header. */
  rate429: number;
  /** Share that never answer (the socket stays open until the client gives up). */
  hangRate: number;
  /** Share answered 200 with a truncated JSON body. */
  malformedRate: number;
};

export type SimulatorOptions = {
  readonly seed?: number;
  readonly users?: number;
  /** Accepted API key; default `sim-token`. */
  readonly token?: string;
  readonly today?: string;
  readonly historyStart?: string;
  readonly activityScale?: number;
  /** Delay before every API answer, in ms. */
  readonly latencyMs?: number;
  readonly faults?: Partial<FaultSettings>;
  /** `GET /users` as `{ id, users }` (default, as the struct in the reference) or a bare array. */
  readonly usersShape?: 'object' | 'array';
  /** Retry-After seconds sent with 429s. */
  readonly retryAfterSeconds?: number;
};

export type SimulatorStats = {
  requests: number;
  /** The most API requests being answered at once (a client's concurrency, as the API sees it). */
  peakInFlight: number;
  byPath: Record<string, { requests: number; statuses: Record<string, number> }>;
  faults: { error500: number; rate429: number; hang: number; malformed: number };
};

type Handler = (model: SimModel, body: Record<string, unknown>) => SimReply;
const R = '/api/reseller/v1';
const S = '/api/subusers/v1';

/** The documented routes: method and path exactly as the reference's curl examples give them. */
const ROUTES: Record<string, Record<string, Handler>> = {
  [`${R}/users`]: { GET: (m) => m.listUsers('object') },
  [`${R}/create_user`]: { PUT: (m, b) => m.createUser(b) },
  [`${R}/disable_user`]: { POST: (m, b) => m.setActive(b, false) },
  [`${R}/enable_user`]: { POST: (m, b) => m.setActive(b, true) },
  [`${R}/remove_user`]: { POST: (m, b) => m.removeUser(b) },
  [`${R}/usage_stats`]: { POST: (m, b) => m.usageStats(b) },
  [`${R}/user_activity_history`]: { POST: (m, b) => m.userActivity(b) },
  [`${R}/regions`]: { GET: (m) => m.regions() },
  [`${R}/enable_user_region`]: { POST: (m, b) => m.enableUserRegion(b) },
  [`${R}/list_user_regions`]: { POST: (m, b) => m.listUserRegions(b) },
  [`${R}/remove_user_region`]: { POST: (m, b) => m.removeUserRegion(b) },
  [`${R}/storage/set_cors`]: { POST: (m, b) => m.setCors(b) },
  [`${R}/create_access_key`]: { POST: (m, b) => m.createAccessKey(b) },
  [`${R}/list_access_keys`]: { POST: (m, b) => m.listAccessKeys(b) },
  [`${R}/remove_access_key`]: { POST: (m, b) => m.removeAccessKey(b) },
  [`${R}/storage/cname/add`]: { POST: (m, b) => m.addCname(b) },
  // The reference's add example posts to /storage/cname (list's URL): a body carrying certificates is an add.
  [`${R}/storage/cname`]: { POST: (m, b) => ('public_key' in b ? m.addCname(b) : m.listCnames(b)) },
  [`${R}/storage/cname/update`]: { POST: (m, b) => m.updateCname(b) },
  [`${R}/storage/cname/remove`]: { POST: (m, b) => m.removeCname(b) },
  [`${S}/invite`]: { PUT: (m, b) => m.inviteSubuser(b, false) },
  [`${S}/list`]: { POST: (m, b) => m.listSubusers(b) },
  [`${S}/create_account`]: { PUT: (m, b) => m.inviteSubuser(b, true) },
  [`${S}/disable`]: { POST: (m, b) => m.subuserLifecycle(b, 'disable') },
  [`${S}/enable`]: { POST: (m, b) => m.subuserLifecycle(b, 'enable') },
  [`${S}/remove`]: { POST: (m, b) => m.subuserLifecycle(b, 'remove') },
  [`${S}/invite/cancel`]: { POST: (m, b) => m.cancelInvite(b) },
  [`${S}/update`]: { POST: (m, b) => m.updateSubuser(b) },
  [`${S}/user_activity_history`]: { POST: (m, b) => m.subuserActivity(b) },
};

/** Documented operations served: one handler per method and path (/storage/cname also accepts an add). */
export const SIM_OPERATION_COUNT = Object.values(ROUTES).reduce(
  (n, methods) => n + Object.keys(methods).length,
  0,
);

const MAX_BODY = 1 << 20;
/** The reference's common "Server Error (HTTP 500)" answer. */
const SERVER_ERROR: SimReply = {
  status: 500,
  body: {
    error: {
      type: 'api_error',
      code: 'request_processing_failed',
      message: 'Unable to process this request, please try again later',
    },
  },
};
const ADMIN = '/__sim';

/**
 * A stateful IDrive e2 Reseller + Subuser API on 127.0.0.1, for the embedded default, tests and
 * benchmarks. Admin endpoints under `/__sim` (no token): `GET stats`, `POST faults`, `POST reset-stats`.
 */
export class E2Simulator {
  readonly model: SimModel;
  readonly stats: SimulatorStats = emptyStats();
  faults: FaultSettings;
  latencyMs: number;
  /** Accounts whose every call answers 500 (a customer the API cannot serve right now). */
  readonly failingEmails = new Set<string>();
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  #inFlight = 0;
  readonly #token: Buffer;
  readonly #random: () => number;
  readonly #usersShape: 'object' | 'array';
  readonly #retryAfter: number;

  constructor(options: SimulatorOptions = {}) {
    const seed = options.seed ?? 1;
    this.model = new SimModel({
      seed,
      users: options.users ?? 25,
      today: options.today ?? isoDay(new Date()),
      ...(options.historyStart ? { historyStart: options.historyStart } : {}),
      activityScale: options.activityScale ?? 1,
    });
    this.#token = Buffer.from(options.token ?? 'sim-token');
    this.faults = { error500Rate: 0, rate429: 0, hangRate: 0, malformedRate: 0, ...options.faults };
    this.latencyMs = options.latencyMs ?? 0;
    this.#random = seededStream(seed ^ 0x5eed);
    this.#usersShape = options.usersShape ?? 'object';
    this.#retryAfter = options.retryAfterSeconds ?? 1;
  }

  /** Starts listening; port 0 picks a free one. Returns the origin, e.g. `http://127.0.0.1:40123`. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => void this.#handle(req, res));
    server.keepAliveTimeout = 60_000;
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.#server = server;
    return this.url;
  }

  get url(): string {
    const address = this.#server?.address() as AddressInfo | null;
    if (!address) throw new Error('simulator is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  resetStats(): void {
    Object.assign(this.stats, emptyStats());
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://sim');
    const raw = await readBody(req);
    if (url.pathname.startsWith(ADMIN)) return this.#admin(req.method ?? 'GET', url.pathname, raw, res);

    this.stats.requests++;
    this.#inFlight++;
    this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.#inFlight);
    res.once('close', () => this.#inFlight--);
    const pathStats = this.stats.byPath[url.pathname] ?? { requests: 0, statuses: {} };
    this.stats.byPath[url.pathname] = pathStats;
    pathStats.requests++;
    const send = (reply: SimReply, headers: Record<string, string> = {}) => {
      pathStats.statuses[reply.status] = (pathStats.statuses[reply.status] ?? 0) + 1;
      const text = reply.rawJson ?? JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...headers });
      res.end(text);
    };
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));

    const token = req.headers.token;
    if (typeof token !== 'string' || !safeEqual(Buffer.from(token), this.#token)) {
      return send({
        status: 401,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'unauthorized',
            message: 'Authentication header missing/invalid',
          },
        },
      });
    }
    const route = ROUTES[url.pathname];
    const handler = route?.[req.method ?? ''];
    if (!route)
      return send({
        status: 404,
        body: { error: { type: 'invalid_request_error', code: 'not_found', message: 'Unknown endpoint' } },
      });
    if (!handler)
      return send(
        {
          status: 405,
          body: {
            error: {
              type: 'invalid_request_error',
              code: 'method_not_allowed',
              message: `Use ${Object.keys(route).join(', ')}`,
            },
          },
        },
        { allow: Object.keys(route).join(', ') },
      );

    const fault = this.#drawFault();
    if (fault === 'hang') {
      this.stats.faults.hang++;
      return; // never answer; stop() destroys the socket
    }
    if (fault === 'error500') {
      this.stats.faults.error500++;
      return send(SERVER_ERROR);
    }
    if (fault === 'rate429') {
      this.stats.faults.rate429++;
      return send(
        {
          status: 429,
          body: {
            error: {
              type: 'invalid_request_error',
              code: 'too_many_requests',
              message: 'Rate limit exceeded',
            },
          },
        },
        { 'retry-after': String(this.#retryAfter) },
      );
    }

    let body: Record<string, unknown> = {};
    if (req.method !== 'GET' && raw.length > 0) {
      try {
        const parsed = JSON.parse(raw.toString('utf8')) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error('not an object');
        body = parsed as Record<string, unknown>;
      } catch {
        return send(invalid([{ field: '(body)', message: 'body must be a JSON object' }]));
      }
    }
    const target = String(body.email ?? body.admin_email ?? '').toLowerCase();
    if (target && this.failingEmails.has(target)) {
      return send(SERVER_ERROR);
    }
    let reply: SimReply;
    try {
      reply =
        url.pathname === `${R}/users` ? this.model.listUsers(this.#usersShape) : handler(this.model, body);
    } catch (error) {
      if (error instanceof InvalidParameters) reply = invalid(error.errors);
      else reply = SERVER_ERROR;
    }
    if (fault === 'malformed' && reply.status === 200) {
      this.stats.faults.malformed++;
      const text = reply.rawJson ?? JSON.stringify(reply.body);
      return send({
        status: 200,
        body: null,
        rawJson: text.slice(0, Math.max(1, Math.floor(text.length / 2))),
      });
    }
    send(reply);
  }

  #drawFault(): 'hang' | 'error500' | 'rate429' | 'malformed' | null {
    const f = this.faults;
    const r = this.#random();
    let edge = f.hangRate;
    if (r < edge) return 'hang';
    edge += f.error500Rate;
    if (r < edge) return 'error500';
    edge += f.rate429;
    if (r < edge) return 'rate429';
    edge += f.malformedRate;
    if (r < edge) return 'malformed';
    return null;
  }

  #admin(method: string, path: string, raw: Buffer, res: ServerResponse) {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (method === 'GET' && path === `${ADMIN}/stats`) return json(200, this.stats);
    if (method === 'POST' && path === `${ADMIN}/reset-stats`) {
      this.resetStats();
      return json(200, this.stats);
    }
    if (method === 'POST' && path === `${ADMIN}/faults`) {
      try {
        const update = JSON.parse(raw.toString('utf8') || '{}') as Partial<FaultSettings> & {
          latencyMs?: number;
        };
        for (const key of ['error500Rate', 'rate429', 'hangRate', 'malformedRate'] as const) {
          const value = update[key];
          if (value !== undefined) {
            if (typeof value !== 'number' || value < 0 || value > 1)
              return json(400, { error: `${key} must be a number from 0 to 1` });
            this.faults[key] = value;
          }
        }
        if (update.latencyMs !== undefined) this.latencyMs = Math.max(0, Number(update.latencyMs) || 0);
        return json(200, { faults: this.faults, latencyMs: this.latencyMs });
      } catch {
        return json(400, { error: 'body must be JSON' });
      }
    }
    json(404, { error: 'unknown simulator admin path' });
  }
}

function invalid(errors: unknown[]): SimReply {
  return {
    status: 400,
    body: {
      error: {
        type: 'invalid_request_error',
        code: 'invalid_parameters',
        message: 'Invalid parameter values, check errors for details',
        errors,
      },
    },
  };
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function emptyStats(): SimulatorStats {
  return {
    requests: 0,
    peakInFlight: 0,
    byPath: {},
    faults: { error500: 0, rate429: 0, hang: 0, malformed: 0 },
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
