import * as z from 'zod';
import { createAccessKeyInput } from '../../e2/resources/access-keys.ts';
import { addCnameInput, updateCnameInput } from '../../e2/resources/cnames.ts';
import { corsInput } from '../../e2/resources/storage.ts';
import { accessKeyId, dnsName, regionKey } from '../../e2/schemas.ts';
import { confirmField, emailParam, ok, p, type Route, regionParams } from '../route.ts';

/** Regions a customer stores in, with their CORS, access keys and CNAMEs. */
export const storageRoutes: readonly Route[] = [
  {
    id: 'regions.list',
    role: 'viewer',
    method: 'GET',
    path: '/regions',
    summary: 'Every IDrive e2 region',
    mutating: false,
    handle: async (ctx) => ok({ regions: await ctx.e2.storage.regions() }),
  },
  {
    id: 'userRegions.list',
    role: 'viewer',
    method: 'GET',
    path: '/users/{email}/regions',
    summary: "A customer's enabled regions and storage DNs",
    params: emailParam,
    mutating: false,
    handle: async (ctx, i) => ok({ regions: await ctx.e2.storage.listUserRegions(p(i, 'email')) }),
  },
  {
    id: 'userRegions.enable',
    role: 'operator',
    method: 'POST',
    path: '/users/{email}/regions',
    summary: 'Enable a region for a customer; answers the new storage DN',
    params: emailParam,
    body: z.object({ region: regionKey }).strict(),
    mutating: true,
    target: (i) => `${p(i, 'email')} ${String(i.body.region)}`,
    handle: async (ctx, i) =>
      ok(await ctx.e2.storage.enableUserRegion(p(i, 'email'), String(i.body.region)), 201),
  },
  {
    id: 'userRegions.remove',
    role: 'admin',
    method: 'DELETE',
    path: '/users/{email}/regions/{storageDn}',
    summary: "Remove a customer's region (deletes its data)",
    params: regionParams,
    body: z.object(confirmField).strict(),
    mutating: true,
    confirm: 'storageDn',
    target: (i) => `${p(i, 'email')} ${p(i, 'storageDn')}`,
    handle: async (ctx, i) => {
      await ctx.e2.storage.removeUserRegion(p(i, 'email'), p(i, 'storageDn'));
      return ok({ removed: true });
    },
  },
  {
    id: 'userRegions.setCors',
    role: 'operator',
    method: 'PUT',
    path: '/users/{email}/regions/{storageDn}/cors',
    summary: 'Set CORS for a storage: "*" or up to 10 domains',
    params: regionParams,
    body: z.object({ cors: corsInput }).strict() as unknown as z.ZodType<Record<string, unknown>>,
    mutating: true,
    target: (i) => `${p(i, 'email')} ${p(i, 'storageDn')}`,
    handle: async (ctx, i) => {
      const cors = String(i.body.cors);
      await ctx.e2.storage.setCors(p(i, 'email'), p(i, 'storageDn'), cors === '*' ? '*' : cors.split(','));
      return ok({ cors });
    },
  },
  {
    id: 'accessKeys.list',
    role: 'viewer',
    method: 'GET',
    path: '/users/{email}/regions/{storageDn}/access-keys',
    summary: 'Access keys of a storage (never their secrets)',
    params: regionParams,
    mutating: false,
    handle: async (ctx, i) =>
      ok({ accessKeys: await ctx.e2.accessKeys.list(p(i, 'email'), p(i, 'storageDn')) }),
  },
  {
    id: 'accessKeys.create',
    role: 'admin',
    method: 'POST',
    path: '/users/{email}/regions/{storageDn}/access-keys',
    summary: 'Create an access key; the secret is in this response only, never stored or logged',
    params: regionParams,
    body: createAccessKeyInput.omit({ email: true, storage_dn: true }),
    mutating: true,
    target: (i) => `${p(i, 'email')} ${p(i, 'storageDn')} ${String(i.body.name)}`,
    handle: async (ctx, i) => {
      const b = i.body as { name: string; permissions: 0 | 1 | 2; buckets?: string[] };
      const key = await ctx.e2.accessKeys.create({
        email: p(i, 'email'),
        storage_dn: p(i, 'storageDn'),
        ...b,
      });
      return ok({ accessKeyId: key.accessKeyId, secretKey: key.secretKey }, 201);
    },
  },
  {
    id: 'accessKeys.remove',
    role: 'admin',
    method: 'DELETE',
    path: '/users/{email}/regions/{storageDn}/access-keys/{accessKeyId}',
    summary: 'Remove an access key',
    params: regionParams.extend({ accessKeyId }),
    body: z.object(confirmField).strict(),
    mutating: true,
    confirm: 'accessKeyId',
    target: (i) => `${p(i, 'email')} ${p(i, 'storageDn')} ${p(i, 'accessKeyId')}`,
    handle: async (ctx, i) => {
      await ctx.e2.accessKeys.remove(p(i, 'email'), p(i, 'storageDn'), p(i, 'accessKeyId'));
      return ok({ removed: true });
    },
  },
  {
    id: 'cnames.list',
    role: 'viewer',
    method: 'GET',
    path: '/users/{email}/regions/{storageDn}/cnames',
    summary: 'CNAMEs of a storage',
    params: regionParams,
    mutating: false,
    handle: async (ctx, i) => ok({ cnames: await ctx.e2.cnames.list(p(i, 'email'), p(i, 'storageDn')) }),
  },
  {
    id: 'cnames.add',
    role: 'operator',
    method: 'POST',
    path: '/users/{email}/regions/{storageDn}/cnames',
    summary: 'Add a CNAME with its certificate',
    params: regionParams,
    body: addCnameInput.omit({ email: true, storage_dn: true }),
    mutating: true,
    target: (i) => `${p(i, 'email')} ${p(i, 'storageDn')} ${String(i.body.cname)}`,
    handle: async (ctx, i) => {
      await ctx.e2.cnames.add({
        email: p(i, 'email'),
        storage_dn: p(i, 'storageDn'),
        ...(i.body as { cname: string; public_key: string; private_key: string }),
      });
      return ok({ added: true }, 201);
    },
  },
  {
    id: 'cnames.update',
    role: 'operator',
    method: 'PUT',
    path: '/users/{email}/regions/{storageDn}/cnames',
    summary: "Replace the storage's CNAME (by file_index when given) and its certificate",
    params: regionParams,
    body: updateCnameInput.omit({ email: true, storage_dn: true }),
    mutating: true,
    target: (i) => `${p(i, 'email')} ${p(i, 'storageDn')} ${String(i.body.cname)}`,
    handle: async (ctx, i) => {
      await ctx.e2.cnames.update({
        email: p(i, 'email'),
        storage_dn: p(i, 'storageDn'),
        ...(i.body as { cname: string; public_key: string; private_key: string }),
      });
      return ok({ updated: true });
    },
  },
  {
    id: 'cnames.remove',
    role: 'admin',
    method: 'DELETE',
    path: '/users/{email}/regions/{storageDn}/cnames/{cname}',
    summary: 'Remove a CNAME',
    params: regionParams.extend({ cname: dnsName }),
    body: z.object(confirmField).strict(),
    mutating: true,
    confirm: 'cname',
    target: (i) => `${p(i, 'email')} ${p(i, 'storageDn')} ${p(i, 'cname')}`,
    handle: async (ctx, i) => {
      await ctx.e2.cnames.remove(p(i, 'email'), p(i, 'storageDn'), p(i, 'cname'));
      return ok({ removed: true });
    },
  },
];
