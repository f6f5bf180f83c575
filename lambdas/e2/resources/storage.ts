import * as z from 'zod';
import { ack, boolLike, email, nullableString, regionKey, storageDn } from '../schemas.ts';
import type { E2Transport } from '../transport.ts';

const base = '/api/reseller/v1';

export const regionSchema = z.looseObject({
  region_key: z.string(),
  region_name: nullableString,
  country: nullableString,
  region_code: nullableString,
  active: boolLike,
  hdd_storage: boolLike.nullish().transform((v) => v ?? false),
  cors: nullableString,
});
export type E2Region = z.infer<typeof regionSchema>;

// Documented as "an array of regions": a bare array; `{ regions: [...] }` is accepted too.
const regionsOutput = z.union([
  z.array(regionSchema),
  z.looseObject({ regions: z.array(regionSchema) }).transform((r) => r.regions),
]);

// The reference leaves the items of `user_regions` undescribed: accept a storage DN string or an
// object carrying at least one of the fields other endpoints use.
export const userRegionSchema = z.union([
  z.string().transform((storage_dn) => ({ storage_dn, region_key: null as string | null })),
  z
    .looseObject({
      storage_dn: z.string().optional(),
      region_key: z.string().optional(),
      region: z.string().optional(),
    })
    .transform((r) => ({
      ...r,
      storage_dn: r.storage_dn ?? null,
      region_key: r.region_key ?? r.region ?? null,
    })),
]);

const domain = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^(https?:\/\/)?(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i,
    'must be a domain such as app.example.com',
  );

/** `*` (every origin, the default), or 1 to 10 domains, sent as the comma-separated string the API wants. */
export const corsInput = z
  .union([z.literal('*'), z.array(domain).min(1).max(10, 'at most 10 CORS domains are allowed')])
  .transform((value) => (Array.isArray(value) ? value.join(',') : value));

const setCorsInput = z.object({ email, storage_dn: storageDn, cors: corsInput }).strict();

export const storageOps = {
  regions: {
    name: 'storage.regions',
    method: 'GET',
    path: `${base}/regions`,
    input: null,
    output: regionsOutput,
    createsSomething: false,
  },
  // Creates a storage DN: a blind retry after a timeout would answer region_already_enabled and
  // hide the DN, so it is treated like the other creating calls.
  enableUserRegion: {
    name: 'storage.enableUserRegion',
    method: 'POST',
    path: `${base}/enable_user_region`,
    input: z.object({ email, region: regionKey }).strict(),
    output: z.looseObject({ storage_added: z.literal(true), storage_dn: z.string().min(1) }),
    createsSomething: true,
  },
  listUserRegions: {
    name: 'storage.listUserRegions',
    method: 'POST',
    path: `${base}/list_user_regions`,
    input: z.object({ email }).strict(),
    output: z.looseObject({ user_regions: z.array(userRegionSchema) }).transform((r) => r.user_regions),
    createsSomething: false,
  },
  removeUserRegion: {
    name: 'storage.removeUserRegion',
    method: 'POST',
    path: `${base}/remove_user_region`,
    input: z.object({ email, storage_dn: storageDn }).strict(),
    output: ack('removed'),
    createsSomething: false,
  },
  setCors: {
    name: 'storage.setCors',
    method: 'POST',
    path: `${base}/storage/set_cors`,
    input: setCorsInput,
    output: ack('cors_updated'),
    createsSomething: false,
  },
} as const;

export class StorageResource {
  constructor(private readonly transport: E2Transport) {}

  regions() {
    return this.transport.call(storageOps.regions, undefined);
  }
  /** Returns the storage DN (the S3 endpoint) of the newly enabled region. */
  async enableUserRegion(userEmail: string, region: string) {
    const result = await this.transport.call(
      storageOps.enableUserRegion,
      { email: userEmail, region },
      userEmail,
    );
    return { storageDn: result.storage_dn };
  }
  listUserRegions(userEmail: string) {
    return this.transport.call(storageOps.listUserRegions, { email: userEmail }, userEmail);
  }
  removeUserRegion(userEmail: string, dn: string) {
    return this.transport.call(storageOps.removeUserRegion, { email: userEmail, storage_dn: dn }, userEmail);
  }
  setCors(userEmail: string, dn: string, cors: '*' | string[]) {
    return this.transport.call(storageOps.setCors, { email: userEmail, storage_dn: dn, cors }, userEmail);
  }
}
