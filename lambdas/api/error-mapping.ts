import {
  E2ApiError,
  type E2Error,
  E2RequestValidationError,
  E2ResponseError,
  E2TransportError,
} from '../e2/errors.ts';
import { HttpError } from './http-error.ts';

const NOT_FOUND = new Set(['account_non_existant', 'storage_non_existant', 'access_key_non_existant']);
const CONFLICT = new Set([
  'user_signed_up',
  'email_already_in_use',
  'user_account_already_disabled',
  'user_account_already_enabled',
  'region_already_enabled',
  'user_already_signedup',
]);
const PRECONDITION = new Set([
  'user_disabled',
  'user_account_not_disabled',
  'user_not_signed_up',
  'storage_not_empty',
  'payment_failed',
  'sso_not_configured',
]);

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
    if (NOT_FOUND.has(error.code)) return new HttpError(404, error.code, error.apiMessage, pass);
    // CNAME calls report "does not exist" as request_processing_failed with a message.
    if (
      error.code === 'request_processing_failed' &&
      /cannot get cname details|Unable to retrieve storage info|data not found for given dns/i.test(
        error.apiMessage,
      )
    ) {
      return new HttpError(404, error.code, error.apiMessage, pass);
    }
    if (CONFLICT.has(error.code)) return new HttpError(409, error.code, error.apiMessage, pass);
    if (PRECONDITION.has(error.code)) return new HttpError(422, error.code, error.apiMessage, pass);
    if (error.code === 'maximum_limit_reached') return new HttpError(422, error.code, error.apiMessage, pass);
    if (error.code === 'invalid_parameters' || error.code === 'invalid_cors_policy')
      return new HttpError(400, error.code, error.apiMessage, pass);
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
