import * as z from 'zod';
import { daysBetween } from '../../calendar/days.ts';
import { createUserInput } from '../../e2/resources/users.ts';
import {
  b64,
  confirmField,
  dayRangeQuery,
  emailParam,
  ok,
  p,
  pageNumber,
  plainPassword,
  type Route,
} from '../route.ts';

/** Customer accounts: list, create, disable/enable, remove, usage and activity. */
export const accountRoutes: readonly Route[] = [
  {
    id: 'users.list',
    role: 'viewer',
    method: 'GET',
    path: '/users',
    summary: 'List every customer account',
    mutating: false,
    handle: async (ctx) => ok({ users: await ctx.e2.users.list() }),
  },
  {
    id: 'users.create',
    role: 'operator',
    method: 'POST',
    path: '/users',
    summary: 'Create a customer account (password in plain text; sent base64-encoded)',
    // The client's schema, with the password in plain text and the quota named for its unit.
    body: createUserInput
      .omit({ password: true, quota: true })
      .extend({ password: plainPassword, quota_gb: createUserInput.shape.quota }),
    mutating: true,
    target: (i) => String(i.body.email),
    handle: async (ctx, { body }) => {
      const b = body as {
        email: string;
        password: string;
        first_name: string;
        last_name?: string;
        quota_gb: number;
        email_notification?: boolean;
      };
      await ctx.e2.users.create({
        email: b.email,
        password: b64(b.password),
        first_name: b.first_name,
        ...(b.last_name ? { last_name: b.last_name } : {}),
        quota: b.quota_gb,
        ...(b.email_notification !== undefined ? { email_notification: b.email_notification } : {}),
      });
      return ok({ created: true, email: b.email }, 201);
    },
  },
  {
    id: 'users.disable',
    role: 'operator',
    method: 'POST',
    path: '/users/{email}/disable',
    summary: 'Disable a customer account',
    params: emailParam,
    mutating: true,
    target: (i) => p(i, 'email'),
    handle: async (ctx, i) => {
      await ctx.e2.users.disable(p(i, 'email'));
      return ok({ disabled: true });
    },
  },
  {
    id: 'users.enable',
    role: 'operator',
    method: 'POST',
    path: '/users/{email}/enable',
    summary: 'Enable a disabled customer account',
    params: emailParam,
    mutating: true,
    target: (i) => p(i, 'email'),
    handle: async (ctx, i) => {
      await ctx.e2.users.enable(p(i, 'email'));
      return ok({ enabled: true });
    },
  },
  {
    id: 'users.remove',
    role: 'admin',
    method: 'DELETE',
    path: '/users/{email}',
    summary: 'Remove a disabled customer account and its data, permanently',
    params: emailParam,
    body: z.object(confirmField).strict(),
    mutating: true,
    confirm: 'email',
    target: (i) => p(i, 'email'),
    handle: async (ctx, i) => {
      await ctx.e2.users.remove(p(i, 'email'));
      return ok({ removed: true });
    },
  },
  {
    id: 'users.usage',
    role: 'viewer',
    method: 'GET',
    path: '/users/{email}/usage',
    summary: 'Daily usage: stored snapshots, or live from IDrive with live=true',
    params: emailParam,
    query: dayRangeQuery(366, { live: z.enum(['true', 'false']).optional() }),
    mutating: false,
    handle: async (ctx, i) => {
      const { from, to, live } = i.query as { from: string; to: string; live?: string };
      if (live === 'true')
        return ok({ source: 'idrive', days: await ctx.e2.users.usageStats(p(i, 'email'), from, to) });
      const days = (await ctx.ledger.snapshotsForUser(p(i, 'email'), from, to)).map(
        ({ activityCsv: _rows, ...day }) => day,
      );
      const stored = new Set(days.map((d) => d.day));
      return ok({
        source: 'snapshots',
        days,
        missingDays: daysBetween(from, to).filter((d) => !stored.has(d)),
      });
    },
  },
  {
    id: 'users.activity',
    role: 'operator',
    method: 'GET',
    path: '/users/{email}/activity',
    summary: 'One page (200 records) of the activity log, live from IDrive',
    params: emailParam,
    query: dayRangeQuery(366, { page: pageNumber }),
    mutating: false,
    handle: async (ctx, i) => {
      const q = i.query as { from: string; to: string; page: number };
      return ok(await ctx.e2.users.activityPage(p(i, 'email'), q.from, q.to, q.page));
    },
  },
];
