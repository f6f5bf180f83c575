/**
 * One error hierarchy for everything that goes wrong talking to IDrive e2.
 * No error ever carries the API token: the token lives only in the transport's header map,
 * and every message that could echo upstream text is passed through `redact` first.
 */

export type E2ErrorContext = {
  /** The client operation, e.g. `users.usageStats`. */
  readonly operation: string;
  /** The target account's email, when the call has one. */
  readonly email?: string | undefined;
};

export class E2Error extends Error {
  override name = 'E2Error';
  readonly operation: string;
  readonly email: string | undefined;

  constructor(message: string, context: E2ErrorContext, options?: { cause?: unknown }) {
    super(message, options);
    this.operation = context.operation;
    this.email = context.email;
  }

  /** Whether retrying the same call later may succeed (used by collection, not by the transport). */
  get transient(): boolean {
    return false;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message, operation: this.operation, email: this.email };
  }
}

/** Input rejected before any network traffic: the caller's fault, never retried. */
export class E2RequestValidationError extends E2Error {
  override name = 'E2RequestValidationError';
  readonly issues: readonly { path: string; message: string }[];

  constructor(context: E2ErrorContext, issues: readonly { path: string; message: string }[]) {
    super(
      `invalid input for ${context.operation}: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`,
      context,
    );
    this.issues = issues;
  }

  override toJSON() {
    return { ...super.toJSON(), issues: this.issues };
  }
}

/** An error answered by the IDrive API with its documented `{ error: { type, code, message } }` body. */
export class E2ApiError extends E2Error {
  override name = 'E2ApiError';
  readonly status: number;
  readonly type: string;
  readonly code: string;
  readonly apiMessage: string;
  readonly errors: readonly unknown[];

  constructor(
    context: E2ErrorContext,
    body: { status: number; type: string; code: string; message: string; errors?: readonly unknown[] },
  ) {
    super(`${context.operation} failed: HTTP ${body.status} ${body.code}: ${body.message}`, context);
    this.status = body.status;
    this.type = body.type;
    this.code = body.code;
    this.apiMessage = body.message;
    this.errors = body.errors ?? [];
  }

  override get transient(): boolean {
    return this.status >= 500 || this.status === 429;
  }

  override toJSON() {
    return {
      ...super.toJSON(),
      status: this.status,
      type: this.type,
      code: this.code,
      apiMessage: this.apiMessage,
      errors: this.errors,
    };
  }
}

/** The response arrived but is not what the reference documents (bad JSON, wrong shape). */
export class E2ResponseError extends E2Error {
  override name = 'E2ResponseError';
  readonly status: number;
  /** The first field that failed, as a dotted path (`users.3.storage_used`), or `(body)`. */
  readonly field: string;
  /** Unparseable bodies are usually truncations in transit; schema mismatches are not transient. */
  readonly malformedJson: boolean;

  constructor(
    context: E2ErrorContext,
    detail: { status: number; field: string; reason: string; malformedJson: boolean },
  ) {
    super(
      `${context.operation}: unexpected response (HTTP ${detail.status}) at ${detail.field}: ${detail.reason}`,
      context,
    );
    this.status = detail.status;
    this.field = detail.field;
    this.malformedJson = detail.malformedJson;
  }

  override get transient(): boolean {
    return this.malformedJson;
  }

  override toJSON() {
    return { ...super.toJSON(), status: this.status, field: this.field };
  }
}

/** Network-level failure: refused, reset, DNS, timeout. */
export class E2TransportError extends E2Error {
  override name = 'E2TransportError';
  /** The transport code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, E2_TIMEOUT, ...). */
  readonly code: string;
  /** True only when the request provably never left this process (connect failed). */
  readonly neverReachedServer: boolean;

  constructor(
    context: E2ErrorContext,
    detail: { code: string; neverReachedServer: boolean; message: string },
    cause?: unknown,
  ) {
    super(`${context.operation}: ${detail.message} (${detail.code})`, context, { cause });
    this.code = detail.code;
    this.neverReachedServer = detail.neverReachedServer;
  }

  override get transient(): boolean {
    return true;
  }

  override toJSON() {
    return { ...super.toJSON(), code: this.code, neverReachedServer: this.neverReachedServer };
  }
}

/** Activity history changed under us (total_records moved between pages) or paging went wrong. */
export class E2PaginationError extends E2Error {
  override name = 'E2PaginationError';

  override get transient(): boolean {
    return true;
  }
}

/** Codes documented in the reference. */
export const E2Codes = {
  unauthorized: 'unauthorized',
  invalidParameters: 'invalid_parameters',
  requestProcessingFailed: 'request_processing_failed',
  accountNonExistant: 'account_non_existant',
  userSignedUp: 'user_signed_up',
  emailAlreadyInUse: 'email_already_in_use',
  userAccountAlreadyDisabled: 'user_account_already_disabled',
  userAccountAlreadyEnabled: 'user_account_already_enabled',
  userAccountNotDisabled: 'user_account_not_disabled',
  userDisabled: 'user_disabled',
  userNotSignedUp: 'user_not_signed_up',
  userAlreadySignedup: 'user_already_signedup',
  storageNonExistant: 'storage_non_existant',
  storageNotEmpty: 'storage_not_empty',
  regionAlreadyEnabled: 'region_already_enabled',
  paymentFailed: 'payment_failed',
  invalidCorsPolicy: 'invalid_cors_policy',
  accessKeyNonExistant: 'access_key_non_existant',
  maximumLimitReached: 'maximum_limit_reached',
  ssoNotConfigured: 'sso_not_configured',
} as const;

export type E2Code = (typeof E2Codes)[keyof typeof E2Codes];

/** Typed check for a documented IDrive error code: `if (isE2Code(err, 'account_non_existant'))`. */
export function isE2Code(error: unknown, code: E2Code): error is E2ApiError {
  return error instanceof E2ApiError && error.code === code;
}

/** Replaces every occurrence of each secret in `text`; secrets shorter than 4 chars are ignored. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  }
  return out;
}
