import * as z from 'zod';
import { calendarDay } from '../calendar/calendar-values.ts';

// Request limits are the reference's "Length Parameters"; responses are parsed leniently where the
// reference is vague (extra fields pass, numbers may come as doubles or numeric strings).

// Identifiers are strict: they reach IDrive, S3 keys and CSV files. No control or bidi characters
// anywhere (they hide text), no path tricks, DNS-shaped host names.
const CONTROL_OR_BIDI = /[\p{Cc}\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/u;

/**
 * An email address as RFC 5321 bounds it (at most 254 characters, a local part of at most 64), the
 * local part in the dot-atom characters less `/` and backquote, the domain a DNS name.
 */
export const email = z
  .string()
  .min(3)
  .max(254, 'must be at most 254 characters (RFC 5321)')
  .regex(
    /^(?=[^@]{1,64}@)[A-Za-z0-9!#$%&'*+=?^_{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+=?^_{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/,
    "must be an email address (letters, digits and . _ % + - ' ! # $ & * = ? ^ { | } ~ before the @, a domain name after it)",
  );

/** Free text that goes upstream and into files: printable, no control or bidi characters. */
export const plainText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((v) => !CONTROL_OR_BIDI.test(v), 'must not contain control or bidirectional-override characters');

/** A DNS host name (a storage DN, a CNAME): labels of letters, digits and hyphens. */
export const dnsName = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/,
    'must be a DNS name such as abcd.tx21.idrivee2-45.com',
  );

/** An access key id: letters and digits only. */
export const accessKeyId = z.string().regex(/^[A-Za-z0-9]{8,128}$/, 'must be 8 to 128 letters and digits');

export const base64Password = z
  .string()
  .min(4)
  .max(100)
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'must be base64 encoded');

export const personName = plainText(64);
export const regionKey = z.string().regex(/^[A-Za-z0-9-]{1,5}$/, 'must be a region key such as TX');
export const storageDn = dnsName.max(128);
/** A calendar-true UTC day: a date that does not exist is refused before any traffic. */
export const isoDate = calendarDay;
/** 0 read, 1 write (upload only), 2 read/write. */
export const permissions = z.union([z.literal(0), z.literal(1), z.literal(2)]);
export const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name');

/** A byte count: the API sends doubles; we keep exact integers (values reach 10^15 < 2^53). */
export const bytes = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\d+(\.\d+)?([eE][+-]?\d+)?$/)
      .transform(Number),
  ])
  .pipe(
    z
      .number()
      .finite()
      .nonnegative()
      .transform((n) => Math.round(n))
      .refine((n) => Number.isSafeInteger(n), 'exceeds 2^53 bytes and cannot be kept exact'),
  );

export const intLike = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
]);

/** Booleans that some servers send as 0/1 or "true"/"false". */
export const boolLike = z.union([
  z.boolean(),
  z.literal(0).transform(() => false),
  z.literal(1).transform(() => true),
  z.enum(['true', 'false']).transform((v) => v === 'true'),
]);

export const nullableString = z
  .string()
  .nullish()
  .transform((v) => v ?? null);

/** Usage dates may come as `2025-01-31` or a full ISO timestamp; we keep the UTC calendar day. */
export const usageDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}/, 'must start with a yyyy-MM-dd date')
  .transform((s) =>
    s.length > 10 && /[zZ]|[+-]\d{2}:?\d{2}$/.test(s)
      ? new Date(s).toISOString().slice(0, 10)
      : s.slice(0, 10),
  );

export const storageAccess = z.array(
  z.object({ storage_dn: storageDn, buckets: z.array(bucketName).min(1) }).strict(),
);

export const activityPageSchema = z.object({
  logs: z.array(
    z.looseObject({
      timestamp: z.string(),
      description: z
        .string()
        .nullish()
        .transform((v) => v ?? ''),
      ip: z
        .string()
        .nullish()
        .transform((v) => v ?? ''),
    }),
  ),
  pagination: z.looseObject({
    total_records: intLike.pipe(z.number().int().nonnegative()),
    page_no: intLike.pipe(z.number().int().positive()),
    records_per_page: intLike.pipe(z.number().int().positive()),
  }),
});
export type ActivityPage = z.infer<typeof activityPageSchema>;
export type ActivityRecord = ActivityPage['logs'][number];

/** `{ <flag>: true }` acknowledgements such as `{ user_disabled: true }`. */
export function ack<K extends string>(key: K) {
  return z.looseObject({ [key]: z.literal(true) } as Record<K, z.ZodLiteral<true>>);
}
