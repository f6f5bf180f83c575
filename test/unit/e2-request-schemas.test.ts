import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addCnameInput } from '../../lambdas/e2/resources/cnames.ts';
import { corsInput } from '../../lambdas/e2/resources/storage.ts';
import { createSubuserInput } from '../../lambdas/e2/resources/subusers.ts';
import { createUserInput } from '../../lambdas/e2/resources/users.ts';
import { bytes } from '../../lambdas/e2/schemas.ts';

// Property tests of the documented length limits: every value up to the limit passes, every value
// one past it fails, whatever its content.

const baseUser = { email: 'a@b.example', password: 'dGVzdDEyMw==', first_name: 'A', quota: 0 };
const cert = {
  email: 'a@b.example',
  storage_dn: 'dn.example.com',
  cname: 'c.example.com',
  public_key: 'p',
  private_key: 'k',
};

describe('request schemas at their documented limits', () => {
  it('email follows RFC 5321: a local part of at most 64, at most 254 in all; no control, bidi or path characters', () => {
    const local = (n: number) => 'a'.repeat(n);
    const domain = (n: number) => `${'d'.repeat(n - 8)}.example`; // n characters
    const ok = (email: string) => createUserInput.safeParse({ ...baseUser, email }).success;
    expect(ok(`${local(64)}@b.example`)).toBe(true);
    expect(ok(`${local(65)}@b.example`)).toBe(false);
    const longest = `${local(64)}@${'d'.repeat(61)}.${'e'.repeat(61)}.${'f'.repeat(61)}.ggg`;
    expect(longest).toHaveLength(254);
    expect(ok(longest)).toBe(true);
    expect(ok(`${local(64)}@${'d'.repeat(62)}.${'e'.repeat(61)}.${'f'.repeat(61)}.ggg`)).toBe(false); // 255
    expect(domain(20)).toHaveLength(20);
    for (const good of ["o'brien+tag@b.example", 'first.last@sub.b.example', 'x=y@b.example'])
      expect(ok(good), good).toBe(true);
    for (const bad of [
      'a\u0000b@b.example',
      'a\u202Eb@b.example',
      '<script>@b.example',
      '"a"@b.example',
      'a/../b@b.example',
      'a b@b.example',
      'a..b@b.example',
      'a@b',
      'a@-b.example',
      '.a@b.example',
    ])
      expect(ok(bad), JSON.stringify(bad)).toBe(false);
  });

  it('first and last names accept 1..64 characters of any text but control and bidi-override characters', () => {
    const hidden = /[\p{Cc}\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/u;
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 80, unit: 'binary' }), (name) => {
        const ok = name.length >= 1 && name.length <= 64 && !hidden.test(name);
        expect(createUserInput.safeParse({ ...baseUser, first_name: name }).success).toBe(ok);
        expect(createUserInput.safeParse({ ...baseUser, last_name: name }).success).toBe(ok);
      }),
    );
  });

  it('passwords must be base64 of at most 100 characters', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 90 }), (raw) => {
        const password = Buffer.from(raw).toString('base64');
        expect(createUserInput.safeParse({ ...baseUser, password }).success).toBe(password.length <= 100);
      }),
    );
    expect(createUserInput.safeParse({ ...baseUser, password: 'plain text' }).success).toBe(false);
  });

  it('CNAME certificate fields stop at 10000 / 6000 / 64 / 255 characters', () => {
    const limits = { public_key: 10_000, private_key: 6_000, file_index: 64, passphrase: 255 } as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(limits) as (keyof typeof limits)[])),
        fc.integer({ min: 0, max: 2 }),
        (field, over) => {
          const length = limits[field] - 1 + over;
          expect(addCnameInput.safeParse({ ...cert, [field]: 'x'.repeat(length) }).success).toBe(
            length <= limits[field],
          );
        },
      ),
    );
  });

  it('CORS takes * or 1..10 domains', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 15 }), (n) => {
        const domains = Array.from({ length: n }, (_, i) => `d${i}.example.com`);
        const parsed = corsInput.safeParse(domains);
        expect(parsed.success).toBe(n >= 1 && n <= 10);
        if (parsed.success) expect(parsed.data.split(',')).toHaveLength(n);
      }),
    );
    expect(corsInput.parse('*')).toBe('*');
  });

  it('subuser idle_timeout is 0..3600 and permissions only 0, 1 or 2', () => {
    const base = {
      subuser_email: 's@b.example',
      admin_email: 'a@b.example',
      first_name: 'S',
      password: 'dGVzdDEyMw==',
      permissions: 0,
      is_admin: false,
      allow_session_timeout_settings: false,
      idle_timeout: 0,
      concurrent_sessions: false,
      allow_concurrent_session_settings: false,
    };
    fc.assert(
      fc.property(fc.integer({ min: -10, max: 4000 }), fc.integer({ min: -2, max: 5 }), (idle, perm) => {
        const ok = idle >= 0 && idle <= 3600 && perm >= 0 && perm <= 2;
        expect(createSubuserInput.safeParse({ ...base, idle_timeout: idle, permissions: perm }).success).toBe(
          ok,
        );
      }),
    );
  });
});

describe('byte counts from the API', () => {
  it('keep every integer up to 2^53 exact whether sent as a number, a double string or exponent form', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        expect(bytes.parse(n)).toBe(n);
        expect(bytes.parse(`${n}.0`)).toBe(n);
        expect(bytes.parse(n.toExponential())).toBe(n);
      }),
    );
  });
});
