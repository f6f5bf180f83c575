import {
  E2ApiError,
  type E2Code,
  E2Codes,
  type E2Error,
  E2RequestValidationError,
  E2ResponseError,
  E2TransportError,
} from '../e2/errors.ts';
import { HttpError } from './http-error.ts';

/** The HTTP status an admin sees for each documented IDrive code (the reference lists them; the kind is ours). */
const STATUS_OF_CODE: Readonly<Partial<Record<E2Code, number>>> = {
  [E2Codes.accountNonExistant]: 404,
  [E2Codes.storageNonExistant]: 404,
  [E2Codes.accessKeyNonExistant]: 404,
  [E2Codes.userSignedUp]: 409,
  [E2Codes.emailAlreadyInUse]: 409,
  [E2Codes.userAccountAlreadyDisabled]: 409,
  [E2Codes.userAccountAlreadyEnabled]: 409,
  [E2Codes.regionAlreadyEnabled]: 409,
  [E2Codes.userAlreadySignedup]: 409,
  [E2Codes.userDisabled]: 422,
  [E2Codes.userAccountNotDisabled]: 422,
  [E2Codes.userNotSignedUp]: 422,
  [E2Codes.storageNotEmpty]: 422,
  [E2Codes.paymentFailed]: 422,
  [E2Codes.ssoNotConfigured]: 422,
  [E2Codes.maximumLimitReached]: 422,
  [E2Codes.invalidParameters]: 400,
  [E2Codes.invalidCorsPolicy]: 400,
};

/** CNAME calls report "does not exist" as request_processing_failed with one of these messages. */
const CNAME_NOT_FOUND =
  /cannot get cname details|Unable to retrieve storage info|data not found for given dns/i;

function statusOfCode(code: string): number | undefined {
  return Object.hasOwn(STATUS_OF_CODE, code) ? STATUS_OF_CODE[code as E2Code] : undefined;
}

/**
 * IDrive errors as HTTP answers for admins: the IDrive code and message pass through, the status says
 * what kind of problem it is. Our own upstream failures (after retries) are 502.
 */
export function httpErrorFromE2(error: E2Error): HttpError {
  if (error instanceof E2RequestValidationError) {
    return new HttpError(400, 'invalid_parameters', error.message, { errors: error.issues });
  }
  if (error instanceof E2ApiError) {
    const pass = {
      type: error.type,
      source: 'idrive' as const,
      ...(error.errors.length ? { errors: error.errors } : {}),
    };
    const status = statusOfCode(error.code);
    if (status !== undefined) return new HttpError(status, error.code, error.apiMessage, pass);
    if (error.code === E2Codes.requestProcessingFailed && CNAME_NOT_FOUND.test(error.apiMessage)) {
      return new HttpError(404, error.code, error.apiMessage, pass);
    }
    if (error.status === 401)
      return new HttpError(502, 'upstream_unauthorized', 'IDrive e2 rejected the configured API token', {
        source: 'idrive',
        expose: true,
      });
    if (error.status === 429)
      return new HttpError(503, 'upstream_rate_limited', 'IDrive e2 is rate limiting; try again shortly', {
        source: 'idrive',
        expose: true,
        headers: { 'retry-after': '5' },
      });
    if (error.status >= 500)
      return new HttpError(502, error.code, `IDrive e2 failed: ${error.apiMessage}`, {
        type: 'api_error',
        source: 'idrive',
        expose: true,
      });
    return new HttpError(422, error.code, error.apiMessage, pass);
  }
  if (error instanceof E2TransportError || error instanceof E2ResponseError || error.transient) {
    return new HttpError(
      502,
      'upstream_unavailable',
      `IDrive e2 could not be reached or answered unexpectedly (${error.name})`,
      { type: 'api_error', source: 'idrive', expose: true },
    );
  }
  return new HttpError(502, 'upstream_error', 'IDrive e2 call failed', {
    type: 'api_error',
    source: 'idrive',
    expose: true,
  });
}
