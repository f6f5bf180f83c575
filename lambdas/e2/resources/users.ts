import * as z from 'zod';
import { activityPages } from '../pagination.ts';
import {
  ack,
  activityPageSchema,
  base64Password,
  boolLike,
  bytes,
  email,
  intLike,
  isoDate,
  nullableString,
  personName,
  usageDate,
} from '../schemas.ts';
import type { E2Transport } from '../transport.ts';

const base = '/api/reseller/v1';

export const userSchema = z.looseObject({
  email: z.string(),
  first_name: nullableString,
  last_name: nullableString,
  account_creation_timestamp: nullableString,
  invite_url: nullableString,
  is_signed_up: boolLike,
  is_active: boolLike,
  /** bytes */
  storage_used: bytes.nullish().transform((v) => v ?? 0),
  /** GB; 0 means unlimited */
  storage_quota: intLike.nullish().transform((v) => v ?? 0),
});
export type E2User = z.infer<typeof userSchema>;

// The reference shows both "returns array of the users" and `struct response { id; users[] }`:
// accept either and hand callers the array.
const listUsersOutput = z.union([
  z.array(userSchema),
  z.looseObject({ users: z.array(userSchema) }).transform((r) => r.users),
]);

export const createUserInput = z
  .object({
    email,
    password: base64Password,
    first_name: personName,
    last_name: personName.optional(),
    /** GB; 0 for unlimited */
    quota: z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 31 - 1),
    email_notification: z.boolean().optional(),
  })
  .strict();

const emailInput = z.object({ email }).strict();

export const usageStatsInput = z
  .object({ email, date_from: isoDate, date_to: isoDate })
  .strict()
  .refine((i) => i.date_from <= i.date_to, {
    message: 'date_from must not be after date_to',
    path: ['date_from'],
  });

export const usageRowSchema = z.looseObject({
  date: usageDate,
  downloads: bytes,
  uploads: bytes,
  disk_used: bytes,
});
export type E2UsageRow = z.infer<typeof usageRowSchema>;

export const activityInput = z
  .object({ email, start_date: isoDate, end_date: isoDate, page_no: z.number().int().positive() })
  .strict()
  .refine((i) => i.start_date <= i.end_date, {
    message: 'start_date must not be after end_date',
    path: ['start_date'],
  });

export const userOps = {
  list: {
    name: 'users.list',
    method: 'GET',
    path: `${base}/users`,
    input: null,
    output: listUsersOutput,
    createsSomething: false,
  },
  create: {
    name: 'users.create',
    method: 'PUT',
    path: `${base}/create_user`,
    input: createUserInput,
    output: ack('user_created'),
    createsSomething: true,
  },
  disable: {
    name: 'users.disable',
    method: 'POST',
    path: `${base}/disable_user`,
    input: emailInput,
    output: ack('user_disabled'),
    createsSomething: false,
  },
  enable: {
    name: 'users.enable',
    method: 'POST',
    path: `${base}/enable_user`,
    input: emailInput,
    output: ack('user_enabled'),
    createsSomething: false,
  },
  remove: {
    name: 'users.remove',
    method: 'POST',
    path: `${base}/remove_user`,
    input: emailInput,
    output: ack('user_removed'),
    createsSomething: false,
  },
  // A bare JSON array of rows, one per day that has data.
  usageStats: {
    name: 'users.usageStats',
    method: 'POST',
    path: `${base}/usage_stats`,
    input: usageStatsInput,
    output: z.array(usageRowSchema),
    createsSomething: false,
  },
  activity: {
    name: 'users.activity',
    method: 'POST',
    path: `${base}/user_activity_history`,
    input: activityInput,
    output: activityPageSchema,
    createsSomething: false,
  },
} as const;

export class UsersResource {
  constructor(private readonly transport: E2Transport) {}

  list() {
    return this.transport.call(userOps.list, undefined);
  }
  create(input: z.input<typeof createUserInput>) {
    return this.transport.call(userOps.create, input, input.email);
  }
  disable(userEmail: string) {
    return this.transport.call(userOps.disable, { email: userEmail }, userEmail);
  }
  enable(userEmail: string) {
    return this.transport.call(userOps.enable, { email: userEmail }, userEmail);
  }
  remove(userEmail: string) {
    return this.transport.call(userOps.remove, { email: userEmail }, userEmail);
  }
  /** Daily usage rows for `from`..`to` inclusive (UTC days). */
  usageStats(userEmail: string, from: string, to: string) {
    return this.transport.call(
      userOps.usageStats,
      { email: userEmail, date_from: from, date_to: to },
      userEmail,
    );
  }
  activityPage(userEmail: string, from: string, to: string, pageNo: number) {
    return this.transport.call(
      userOps.activity,
      { email: userEmail, start_date: from, end_date: to, page_no: pageNo },
      userEmail,
    );
  }
  /** Every page of the activity log for `from`..`to`; see `activityPages` for the guarantees. */
  activityHistory(userEmail: string, from: string, to: string) {
    return activityPages((pageNo) => this.activityPage(userEmail, from, to, pageNo), {
      operation: userOps.activity.name,
      email: userEmail,
    });
  }
}
