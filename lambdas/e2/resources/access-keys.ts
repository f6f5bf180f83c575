import * as z from 'zod';
import {
  accessKeyId,
  ack,
  bucketName,
  email,
  nullableString,
  permissions,
  plainText,
  storageDn,
} from '../schemas.ts';
import type { E2Transport } from '../transport.ts';

const base = '/api/reseller/v1';

export const createAccessKeyInput = z
  .object({
    email,
    storage_dn: storageDn,
    name: plainText(64),
    permissions,
    /** Limit the key to these buckets; omit for all buckets. Must not be empty when given. */
    buckets: z.array(bucketName).min(1, 'must list at least one bucket when given').optional(),
  })
  .strict();

export const accessKeySchema = z.looseObject({
  key_id: z.string(),
  name: nullableString,
  creation_date: nullableString,
  description: nullableString,
});

export const accessKeyOps = {
  create: {
    name: 'accessKeys.create',
    method: 'POST',
    path: `${base}/create_access_key`,
    input: createAccessKeyInput,
    output: z.looseObject({
      created: z.literal(true),
      data: z.looseObject({ access_key: z.string().min(1), secret_key: z.string().min(1) }),
    }),
    createsSomething: true,
  },
  list: {
    name: 'accessKeys.list',
    method: 'POST',
    path: `${base}/list_access_keys`,
    input: z.object({ email, storage_dn: storageDn }).strict(),
    output: z.looseObject({ storage_dn: z.string().nullish(), access_keys: z.array(accessKeySchema) }),
    createsSomething: false,
  },
  // The reference's heading shows storage/cname/update (a copy-paste slip); its curl example,
  // which we follow, uses remove_access_key.
  remove: {
    name: 'accessKeys.remove',
    method: 'POST',
    path: `${base}/remove_access_key`,
    input: z.object({ email, storage_dn: storageDn, access_key: accessKeyId }).strict(),
    output: ack('removed'),
    createsSomething: false,
  },
} as const;

/** A freshly created key. The secret is shown to the caller once and never logged or stored. */
export type CreatedAccessKey = { readonly accessKeyId: string; readonly secretKey: string };

export class AccessKeysResource {
  constructor(private readonly transport: E2Transport) {}

  async create(input: z.input<typeof createAccessKeyInput>): Promise<CreatedAccessKey> {
    const result = await this.transport.call(accessKeyOps.create, input, input.email);
    return { accessKeyId: result.data.access_key, secretKey: result.data.secret_key };
  }
  async list(userEmail: string, dn: string) {
    const result = await this.transport.call(
      accessKeyOps.list,
      { email: userEmail, storage_dn: dn },
      userEmail,
    );
    return result.access_keys;
  }
  remove(userEmail: string, dn: string, accessKeyId: string) {
    return this.transport.call(
      accessKeyOps.remove,
      { email: userEmail, storage_dn: dn, access_key: accessKeyId },
      userEmail,
    );
  }
}
