import * as z from 'zod';
import { createSubuserInput, inviteSubuserInput, updateSubuserInput } from '../../e2/resources/subusers.ts';
import { email } from '../../e2/schemas.ts';
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

/** Sub-users of a customer account: invitations, rights, enable/disable, activity. */
export const subuserRoutes: readonly Route[] = [
  {
    id: 'subusers.list',
    role: 'viewer',
    method: 'GET',
    path: '/users/{email}/subusers',
    summary: "A customer's sub-users (the path's email is the admin email)",
    params: emailParam,
    mutating: false,
    handle: async (ctx, i) => ok({ subusers: await ctx.e2.subusers.list(p(i, 'email')) }),
  },
  {
    id: 'subusers.create',
    role: 'operator',
    method: 'POST',
    path: '/users/{email}/subusers',
    summary: 'Create a sub-user account (password in plain text; sent base64-encoded)',
    params: emailParam,
    body: createSubuserInput.omit({ admin_email: true }).extend({ password: plainPassword }),
    mutating: true,
    target: (i) => `${p(i, 'email')} ${String(i.body.subuser_email)}`,
    handle: async (ctx, i) => {
      const b = i.body as z.infer<typeof createSubuserInput>;
      await ctx.e2.subusers.createAccount({ ...b, password: b64(b.password), admin_email: p(i, 'email') });
      return ok({ created: true, subuser_email: b.subuser_email }, 201);
    },
  },
  {
    id: 'subusers.invite',
    role: 'operator',
    method: 'POST',
    path: '/users/{email}/subusers/invitations',
    summary: 'Invite a sub-user by email',
    params: emailParam,
    body: inviteSubuserInput.omit({ admin_email: true }),
    mutating: true,
    target: (i) => `${p(i, 'email')} ${String(i.body.subuser_email)}`,
    handle: async (ctx, i) =>
      ok(
        await ctx.e2.subusers.invite({
          ...(i.body as z.infer<typeof inviteSubuserInput>),
          admin_email: p(i, 'email'),
        }),
        201,
      ),
  },
  {
    id: 'subusers.cancelInvite',
    role: 'operator',
    method: 'DELETE',
    path: '/users/{email}/subusers/invitations/{subuserEmail}',
    summary: 'Cancel a pending sub-user invitation',
    params: emailParam.extend({ subuserEmail: email }),
    mutating: true,
    target: (i) => `${p(i, 'email')} ${p(i, 'subuserEmail')}`,
    handle: async (ctx, i) => {
      await ctx.e2.subusers.cancelInvite(p(i, 'email'), p(i, 'subuserEmail'));
      return ok({ cancelled: true });
    },
  },
  {
    id: 'subusers.update',
    role: 'operator',
    method: 'PATCH',
    path: '/users/{email}/subusers/{subuserEmail}',
    summary: "Update a sub-user's permissions, access, SSO and sessions (only the fields given)",
    params: emailParam.extend({ subuserEmail: email }),
    body: updateSubuserInput.omit({ admin_email: true, subuser_email: true }),
    mutating: true,
    target: (i) => `${p(i, 'email')} ${p(i, 'subuserEmail')}`,
    handle: async (ctx, i) => {
      await ctx.e2.subusers.update({
        ...(i.body as object),
        admin_email: p(i, 'email'),
        subuser_email: p(i, 'subuserEmail'),
      });
      return ok({ updated: true });
    },
  },
  ...(['disable', 'enable'] as const).map(
    (action): Route => ({
      id: `subusers.${action}`,
      role: 'operator',
      method: 'POST',
      path: `/users/{email}/subusers/{subuserEmail}/${action}`,
      summary: `${action === 'disable' ? 'Disable' : 'Enable'} a sub-user`,
      params: emailParam.extend({ subuserEmail: email }),
      body: z.object({ email_notification: z.boolean().optional() }).strict(),
      mutating: true,
      target: (i) => `${p(i, 'email')} ${p(i, 'subuserEmail')}`,
      handle: async (ctx, i) => {
        const args = {
          subuserEmail: p(i, 'subuserEmail'),
          ...(typeof i.body.email_notification === 'boolean'
            ? { emailNotification: i.body.email_notification }
            : {}),
        };
        await ctx.e2.subusers[action](p(i, 'email'), args);
        return ok({ [action === 'disable' ? 'disabled' : 'enabled']: true });
      },
    }),
  ),
  {
    id: 'subusers.remove',
    role: 'admin',
    method: 'DELETE',
    path: '/users/{email}/subusers/{subuserEmail}',
    summary: 'Remove a disabled sub-user, permanently',
    params: emailParam.extend({ subuserEmail: email }),
    body: z.object({ ...confirmField, email_notification: z.boolean().optional() }).strict(),
    mutating: true,
    confirm: 'subuserEmail',
    target: (i) => `${p(i, 'email')} ${p(i, 'subuserEmail')}`,
    handle: async (ctx, i) => {
      await ctx.e2.subusers.remove(p(i, 'email'), { subuserEmail: p(i, 'subuserEmail') });
      return ok({ removed: true });
    },
  },
  {
    id: 'subusers.activity',
    role: 'operator',
    method: 'GET',
    path: '/users/{email}/subusers/{subuserEmail}/activity',
    summary: "One page of a sub-user's activity log",
    params: emailParam.extend({ subuserEmail: email }),
    query: dayRangeQuery(366, { page: pageNumber }),
    mutating: false,
    handle: async (ctx, i) => {
      const q = i.query as { from: string; to: string; page: number };
      return ok(
        await ctx.e2.subusers.activityPage(p(i, 'email'), p(i, 'subuserEmail'), q.from, q.to, q.page),
      );
    },
  },
];
