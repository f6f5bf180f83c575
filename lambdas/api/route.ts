import * as z from 'zod';
import { calendarDay, rangeIssues } from '../calendar/calendar-values.ts';
import type { CollectionRequest } from '../collect/window.ts';
import type { E2Client } from '../e2/client.ts';
import { email, storageDn } from '../e2/schemas.ts';
import type { LedgerStore, ObjectStore } from '../ledger/ports.ts';
import type { StatusDeps } from '../status/ledger-status.ts';
import type { Role } from './roles.ts';

/** Starts a backfill under the id the API already promised: Step Functions in AWS, in-process on a laptop. */
export interface RunLauncher {
  start(
    request: Extract<CollectionRequest, { kind: 'backfill' }>,
    runId: string,
  ): Promise<{ readonly executionArn: string | null }>;
}

export type ApiContext = {
  readonly e2: E2Client;
  readonly ledger: LedgerStore;
  readonly objects: ObjectStore;
  readonly auditObjects?: ObjectStore;
  readonly launcher: RunLauncher;
  readonly now: () => Date;
  /** What GET /status reports against: the rate card's key, the schedule as deployed, the window. */
  readonly status: Pick<StatusDeps, 'rateCardKey' | 'schedule' | 'recollectDays'>;
  /** The longest backfill one request may ask for. */
  readonly limits: { readonly maxRunDays: number };
};

export type RouteInput = {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
};
export type RouteResult = { status: number; body: unknown };

export type Route = {
  readonly id: string;
  /** The least role that may call it (see roles.ts); the stack's IAM policies come from this too. */
  readonly role: Role;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly summary: string;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType<Record<string, unknown>>;
  /** Mutating routes are audited. */
  readonly mutating: boolean;
  /** Destructive routes need `confirm` equal to this path parameter's value. */
  readonly confirm?: string;
  /** What the audit record names as the target. */
  readonly target?: (input: RouteInput) => string;
  /** Input rules that depend on the moment or the deployment (ranges up to yesterday, limits): run with validation, before auditing. */
  readonly check?: (ctx: ApiContext, input: RouteInput) => void;
  readonly handle: (ctx: ApiContext, input: RouteInput) => Promise<RouteResult>;
};

// Path and query schemas (strings in, validated before anything else happens).
export const emailParam = z.object({ email });
export const regionParams = z.object({ email, storageDn });
/** A from..to query of calendar days, at most `maxDays` long; issues name the field. */
export const dayRangeQuery = (maxDays: number, extra: z.ZodRawShape = {}) =>
  z
    .object({ from: calendarDay, to: calendarDay, ...extra })
    .strict()
    .superRefine((q, ctx) => {
      for (const issue of rangeIssues(q as { from: string; to: string }, { maxDays }))
        ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
    });
/** An optional from..to of calendar days (both or neither), at most `maxDays` long. */
export const optionalDayRange = (maxDays: number) =>
  z
    .object({ from: calendarDay.optional(), to: calendarDay.optional() })
    .strict()
    .superRefine((q, ctx) => {
      if ((q.from === undefined) !== (q.to === undefined))
        ctx.addIssue({ code: 'custom', path: [q.from ? 'to' : 'from'], message: 'from and to go together' });
      else if (q.from && q.to)
        for (const issue of rangeIssues({ from: q.from, to: q.to }, { maxDays }))
          ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
    });
/** Activity pages: 1, 2, ... written in decimal (no 0x10, no 1e3). */
export const pageNumber = z
  .string()
  .regex(/^[1-9]\d{0,6}$/, 'must be a page number from 1, in decimal')
  .transform(Number)
  .optional()
  .transform((v) => v ?? 1);
export const plainPassword = z
  .string()
  .min(6)
  .max(75, 'must be at most 75 characters (100 once base64-encoded)');
export const b64 = (password: string) => Buffer.from(password, 'utf8').toString('base64');
export const confirmField = { confirm: z.string().optional() };

export const ok = (body: unknown, status = 200): RouteResult => ({ status, body });
export const p = (input: RouteInput, name: string) => input.params[name]!;
