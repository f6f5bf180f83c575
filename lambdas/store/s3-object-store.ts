import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ObjectStore, StoredObject } from '../ledger/ports.ts';

/**
 * Reports on S3 (s3rver locally). Streams go up as multipart uploads of 5 MiB parts, two in flight.
 * Every PUT and every part carries a SHA-256 checksum: S3 refuses uploads into a bucket with a default
 * Object Lock retention (the audit bucket) without one, and it makes S3 verify what we hashed.
 */
export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async putStream(key: string, body: Readable, contentType: string): Promise<StoredObject> {
    const hash = createHash('sha256');
    let bytes = 0;
    const tee = new PassThrough();
    const counting = pipeline(
      body,
      async function* (source) {
        for await (const chunk of source) {
          const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
          hash.update(buffer);
          bytes += buffer.length;
          yield buffer;
        }
      },
      tee,
    );
    const upload = new Upload({
      client: this.s3,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: tee,
        ContentType: contentType,
        ChecksumAlgorithm: 'SHA256',
      },
      partSize: 5 * 1024 * 1024,
      queueSize: 2,
      leavePartsOnError: false,
    });
    await Promise.all([counting, upload.done()]);
    return { key, sha256: hash.digest('hex'), bytes };
  }

  putText(key: string, text: string, contentType: string): Promise<StoredObject> {
    return this.putBytes(key, Buffer.from(text, 'utf8'), contentType);
  }

  putBytes(key: string, bytes: Uint8Array, contentType: string): Promise<StoredObject> {
    return this.#put(key, bytes, contentType, false) as Promise<StoredObject>;
  }

  async createBytes(key: string, bytes: Uint8Array, contentType: string): Promise<StoredObject | null> {
    try {
      return await this.#put(key, bytes, contentType, true);
    } catch (error) {
      // 412: an object has the key; 409: another conditional write of the key is under way.
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 412 || status === 409) return null;
      throw error;
    }
  }

  async #put(key: string, bytes: Uint8Array, contentType: string, onlyIfAbsent: boolean) {
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const digest = createHash('sha256').update(body).digest();
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ChecksumAlgorithm: 'SHA256',
        ChecksumSHA256: digest.toString('base64'),
        ...(onlyIfAbsent ? { IfNoneMatch: '*' } : {}),
      }),
    );
    return { key, sha256: digest.toString('hex'), bytes: body.length };
  }

  async getStream(key: string): Promise<Readable | null> {
    try {
      const result = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return result.Body as Readable;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return null;
      throw error;
    }
  }

  async getText(key: string): Promise<string | null> {
    return (await this.getBytes(key))?.toString('utf8') ?? null;
  }

  async getBytes(key: string): Promise<Buffer | null> {
    const stream = await this.getStream(key);
    if (!stream) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404)
        return false;
      throw error;
    }
  }

  presignGet(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }

  // StartAfter rather than continuation tokens: same result on S3, and s3rver's tokens need a
  // legacy OpenSSL cipher the CLI process does not enable.
  async *list(prefix: string): AsyncIterable<string> {
    let startAfter: string | undefined;
    for (;;) {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          StartAfter: startAfter,
          MaxKeys: 1000,
        }),
      );
      const keys = (page.Contents ?? []).map((o) => o.Key!).filter(Boolean);
      yield* keys;
      if (!page.IsTruncated || keys.length === 0) return;
      startAfter = keys.at(-1);
    }
  }
}
