import * as z from 'zod';
import { ack, email, nullableString, regionKey, storageDn } from '../schemas.ts';
import type { E2Transport } from '../transport.ts';

const base = '/api/reseller/v1';

const hostname = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i,
    'must be a host name such as files.example.com',
  );

const certificateFields = {
  email,
  storage_dn: storageDn,
  cname: hostname,
  public_key: z.string().min(1).max(10_000),
  private_key: z.string().min(1).max(6_000),
  file_index: z.string().min(1).max(64).optional(),
  passphrase: z.string().min(1).max(255).optional(),
};

export const addCnameInput = z.object(certificateFields).strict();
export const updateCnameInput = z.object({ ...certificateFields, region_key: regionKey.optional() }).strict();

export const cnameSchema = z.looseObject({
  cname: z.string(),
  file_index: z
    .union([z.string(), z.number()])
    .nullish()
    .transform((v) => (v === null || v === undefined ? null : String(v))),
  certificate_info: z.unknown().optional(),
  creation_date: nullableString,
});

export const cnameOps = {
  // The heading says storage/cname/add; the curl example shows storage/cname, which is the list
  // endpoint's URL. We follow the heading: it matches /update and /remove and cannot collide with list.
  add: {
    name: 'cnames.add',
    method: 'POST',
    path: `${base}/storage/cname/add`,
    input: addCnameInput,
    output: ack('cname_added'),
    createsSomething: true,
  },
  list: {
    name: 'cnames.list',
    method: 'POST',
    path: `${base}/storage/cname`,
    input: z.object({ email, storage_dn: storageDn }).strict(),
    output: z.looseObject({ cname_list: z.array(cnameSchema) }).transform((r) => r.cname_list),
    createsSomething: false,
  },
  update: {
    name: 'cnames.update',
    method: 'POST',
    path: `${base}/storage/cname/update`,
    input: updateCnameInput,
    output: ack('cname_updated'),
    createsSomething: false,
  },
  remove: {
    name: 'cnames.remove',
    method: 'POST',
    path: `${base}/storage/cname/remove`,
    input: z.object({ email, storage_dn: storageDn, cname: hostname }).strict(),
    output: ack('cname_removed'),
    createsSomething: false,
  },
} as const;

export class CnamesResource {
  constructor(private readonly transport: E2Transport) {}

  add(input: z.input<typeof addCnameInput>) {
    return this.transport.call(cnameOps.add, input, input.email);
  }
  list(userEmail: string, dn: string) {
    return this.transport.call(cnameOps.list, { email: userEmail, storage_dn: dn }, userEmail);
  }
  update(input: z.input<typeof updateCnameInput>) {
    return this.transport.call(cnameOps.update, input, input.email);
  }
  remove(userEmail: string, dn: string, cname: string) {
    return this.transport.call(cnameOps.remove, { email: userEmail, storage_dn: dn, cname }, userEmail);
  }
}
