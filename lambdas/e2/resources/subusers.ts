import * as z from 'zod';
import { activityPages } from '../pagination.ts';
import {
  activityPageSchema,
  base64Password,
  boolLike,
  email,
  intLike,
  isoDate,
  nullableString,
  permissions,
  personName,
  storageAccess,
} from '../schemas.ts';
import type { E2Transport } from '../transport.ts';

// Subuser calls live under a different prefix and name the reseller's user as `admin_email`.
const base = '/api/subusers/v1';

const idleTimeout = z.number().int().min(0).max(3600, 'must be at most 3600 seconds');

const subuserSettings = {
  disable_delete_object: z.boolean().optional(),
  permissions,
  is_admin: z.boolean(),
  sso_login: z.boolean().optional(),
  allow_session_timeout_settings: z.boolean(),
  idle_timeout: idleTimeout,
  concurrent_sessions: z.boolean(),
  allow_concurrent_session_settings: z.boolean(),
  storage_access: storageAccess.optional(),
};

export const inviteSubuserInput = z
  .object({ subuser_email: email, admin_email: email, ...subuserSettings })
  .strict();

export const createSubuserInput = z
  .object({
    subuser_email: email,
    admin_email: email,
    ...subuserSettings,
    first_name: personName,
    last_name: personName.optional(),
    password: base64Password,
  })
  .strict();

export const updateSubuserInput = z
  .object({
    subuser_email: email,
    admin_email: email,
    disable_delete_object: z.boolean().optional(),
    permissions: permissions.optional(),
    is_admin: z.boolean().optional(),
    sso_login: z.boolean().optional(),
    allow_session_timeout_settings: z.boolean().optional(),
    idle_timeout: idleTimeout.optional(),
    concurrent_sessions: z.boolean().optional(),
    allow_concurrent_session_settings: z.boolean().optional(),
    storage_access: storageAccess.optional(),
    expire_subuser_sessions: z.boolean().optional(),
  })
  .strict();

const lifecycleInput = z
  .object({ subuser_email: email, admin_email: email, email_notification: z.boolean().optional() })
  .strict();

export const subuserSchema = z.looseObject({
  email: z.string(),
  first_name: nullableString,
  last_name: nullableString,
  storage_access: z
    .array(z.unknown())
    .nullish()
    .transform((v) => v ?? []),
  account_creation_timestamp: nullableString,
  invite_url: nullableString,
  is_admin: boolLike.nullish().transform((v) => v ?? false),
  signed_up: boolLike.nullish().transform((v) => v ?? false),
  permissions: intLike.nullish().transform((v) => v ?? null),
  disable_delete_object: boolLike.nullish().transform((v) => v ?? null),
  sso_login: boolLike.nullish().transform((v) => v ?? null),
  idle_timeout: intLike.nullish().transform((v) => v ?? null),
  concurrent_sessions: boolLike.nullish().transform((v) => v ?? null),
  allow_session_timeout_settings: boolLike.nullish().transform((v) => v ?? null),
  allow_concurrent_session_settings: boolLike.nullish().transform((v) => v ?? null),
});

const success = z.looseObject({ success: z.literal(true) });

export const subuserOps = {
  invite: {
    name: 'subusers.invite',
    method: 'PUT',
    path: `${base}/invite`,
    input: inviteSubuserInput,
    output: z.looseObject({ result: z.string(), invite_url: z.string() }),
    createsSomething: true,
  },
  // Documented as `struct response { List users[] }`; a bare array is accepted too.
  list: {
    name: 'subusers.list',
    method: 'POST',
    path: `${base}/list`,
    input: z.object({ admin_email: email }).strict(),
    output: z.union([
      z.array(subuserSchema),
      z.looseObject({ users: z.array(subuserSchema) }).transform((r) => r.users),
    ]),
    createsSomething: false,
  },
  createAccount: {
    name: 'subusers.createAccount',
    method: 'PUT',
    path: `${base}/create_account`,
    input: createSubuserInput,
    output: success,
    createsSomething: true,
  },
  disable: {
    name: 'subusers.disable',
    method: 'POST',
    path: `${base}/disable`,
    input: lifecycleInput,
    output: success,
    createsSomething: false,
  },
  enable: {
    name: 'subusers.enable',
    method: 'POST',
    path: `${base}/enable`,
    input: lifecycleInput,
    output: success,
    createsSomething: false,
  },
  remove: {
    name: 'subusers.remove',
    method: 'POST',
    path: `${base}/remove`,
    input: lifecycleInput,
    output: success,
    createsSomething: false,
  },
  cancelInvite: {
    name: 'subusers.cancelInvite',
    method: 'POST',
    path: `${base}/invite/cancel`,
    input: z.object({ subuser_email: email, admin_email: email }).strict(),
    output: success,
    createsSomething: false,
  },
  update: {
    name: 'subusers.update',
    method: 'POST',
    path: `${base}/update`,
    input: updateSubuserInput,
    output: success,
    createsSomething: false,
  },
  activity: {
    name: 'subusers.activity',
    method: 'POST',
    path: `${base}/user_activity_history`,
    input: z
      .object({
        subuser_email: email,
        admin_email: email,
        start_date: isoDate,
        end_date: isoDate,
        page_no: z.number().int().positive(),
      })
      .strict()
      .refine((i) => i.start_date <= i.end_date, {
        message: 'start_date must not be after end_date',
        path: ['start_date'],
      }),
    output: activityPageSchema,
    createsSomething: false,
  },
} as const;

type Lifecycle = { subuserEmail: string; emailNotification?: boolean };

export class SubusersResource {
  constructor(private readonly transport: E2Transport) {}

  invite(input: z.input<typeof inviteSubuserInput>) {
    return this.transport.call(subuserOps.invite, input, input.admin_email);
  }
  list(adminEmail: string) {
    return this.transport.call(subuserOps.list, { admin_email: adminEmail }, adminEmail);
  }
  createAccount(input: z.input<typeof createSubuserInput>) {
    return this.transport.call(subuserOps.createAccount, input, input.admin_email);
  }
  disable(adminEmail: string, args: Lifecycle) {
    return this.transport.call(subuserOps.disable, lifecycle(adminEmail, args), adminEmail);
  }
  enable(adminEmail: string, args: Lifecycle) {
    return this.transport.call(subuserOps.enable, lifecycle(adminEmail, args), adminEmail);
  }
  remove(adminEmail: string, args: Lifecycle) {
    return this.transport.call(subuserOps.remove, lifecycle(adminEmail, args), adminEmail);
  }
  cancelInvite(adminEmail: string, subuserEmail: string) {
    return this.transport.call(
      subuserOps.cancelInvite,
      { admin_email: adminEmail, subuser_email: subuserEmail },
      adminEmail,
    );
  }
  update(input: z.input<typeof updateSubuserInput>) {
    return this.transport.call(subuserOps.update, input, input.admin_email);
  }
  activityPage(adminEmail: string, subuserEmail: string, from: string, to: string, pageNo: number) {
    return this.transport.call(
      subuserOps.activity,
      {
        admin_email: adminEmail,
        subuser_email: subuserEmail,
        start_date: from,
        end_date: to,
        page_no: pageNo,
      },
      adminEmail,
    );
  }
  activityHistory(adminEmail: string, subuserEmail: string, from: string, to: string) {
    return activityPages((pageNo) => this.activityPage(adminEmail, subuserEmail, from, to, pageNo), {
      operation: subuserOps.activity.name,
      email: adminEmail,
    });
  }
}

function lifecycle(adminEmail: string, args: Lifecycle) {
  return {
    admin_email: adminEmail,
    subuser_email: args.subuserEmail,
    ...(args.emailNotification !== undefined ? { email_notification: args.emailNotification } : {}),
  };
}
