/**
 * The simulator's own request checks, written from the reference independently of the client's zod
 * schemas, so that contract tests catch a client that drifts from the documented limits.
 */
export type FieldError = { field: string; message: string };

export class InvalidParameters extends Error {
  constructor(readonly errors: FieldError[]) {
    super('invalid parameters');
  }
}

type Body = Record<string, unknown>;

export class Checker {
  readonly errors: FieldError[] = [];
  constructor(private readonly body: Body) {}

  string(
    field: string,
    max: number,
    opts: { optional?: boolean; pattern?: RegExp } = {},
  ): string | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) {
      if (!opts.optional) this.errors.push({ field, message: `${field} is required` });
      return undefined;
    }
    if (typeof value !== 'string' || value.length === 0) {
      this.errors.push({ field, message: `${field} must be a non-empty string` });
      return undefined;
    }
    if (value.length > max) {
      this.errors.push({ field, message: `${field} must be at most ${max} characters` });
      return undefined;
    }
    if (opts.pattern && !opts.pattern.test(value)) {
      this.errors.push({ field, message: `${field} is not valid` });
      return undefined;
    }
    return value;
  }

  email(field = 'email'): string {
    return this.string(field, 255, { pattern: /^[^\s@]+@[^\s@]+$/ }) ?? '';
  }

  date(field: string): string {
    const value = this.string(field, 10, { pattern: /^\d{4}-\d{2}-\d{2}$/ });
    if (value && Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
      this.errors.push({ field, message: `${field} is not a date` });
    }
    return value ?? '';
  }

  base64(field: string, max: number): string {
    return (
      this.string(field, max, {
        pattern: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
      }) ?? ''
    );
  }

  int(field: string, min: number, max: number, opts: { optional?: boolean } = {}): number | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) {
      if (!opts.optional) this.errors.push({ field, message: `${field} is required` });
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.errors.push({ field, message: `${field} must be an integer from ${min} to ${max}` });
      return undefined;
    }
    return value;
  }

  bool(field: string, opts: { optional?: boolean } = {}): boolean | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) {
      if (!opts.optional) this.errors.push({ field, message: `${field} is required` });
      return undefined;
    }
    if (typeof value !== 'boolean') {
      this.errors.push({ field, message: `${field} must be a boolean` });
      return undefined;
    }
    return value;
  }

  stringArray(field: string, opts: { optional?: boolean; nonEmpty?: boolean } = {}): string[] | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) {
      if (!opts.optional) this.errors.push({ field, message: `${field} is required` });
      return undefined;
    }
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.length === 0)) {
      this.errors.push({ field, message: `${field} must be an array of names` });
      return undefined;
    }
    if (opts.nonEmpty && value.length === 0) {
      this.errors.push({ field, message: `${field} must not be empty` });
      return undefined;
    }
    return value as string[];
  }

  storageAccess(field: string): { storage_dn: string; buckets: string[] }[] | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    const ok =
      Array.isArray(value) &&
      value.every(
        (v) =>
          typeof v === 'object' &&
          v !== null &&
          typeof (v as Body).storage_dn === 'string' &&
          Array.isArray((v as Body).buckets) &&
          ((v as Body).buckets as unknown[]).every((b) => typeof b === 'string'),
      );
    if (!ok) {
      this.errors.push({ field, message: `${field} must be an array of { storage_dn, buckets[] }` });
      return undefined;
    }
    return value as { storage_dn: string; buckets: string[] }[];
  }

  /** Throws InvalidParameters if anything failed. */
  done(): void {
    if (this.errors.length > 0) throw new InvalidParameters(this.errors);
  }
}
