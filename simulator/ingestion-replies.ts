/**
 * The error answers of the Product Ingestion routes, in the layout the reference documents for its
 * 400 (`{ "error": { "code": "badRequest", "message": "…", "details": [] } }`, codes in camelCase),
 * except the 401, which Microsoft Graph's front end answers in its own layout before the request
 * reaches the service.
 */
import type { AuthVerdict } from './bearer-auth';
import { customBodyReply, jsonReply, type Reply } from './reply';
import type { JobFault } from './job-scenario';

/** The documented refusal of a cancel: the job has completed (whatever its result). */
export const ALREADY_COMPLETED = 'Cannot cancel job, job has already completed.';
/** The refusal of a cancel that came too late for a long job (the reference gives no wording). */
export const TOO_FAR_ALONG = 'Cannot cancel job, the job is too far along to be cancelled.';
/** The refusal of a summary while the job runs. */
export const STILL_RUNNING = 'The job is still running; its summary is available once it has completed.';

const ERROR_CODES: Record<number, string> = {
  400: 'badRequest',
  403: 'forbidden',
  404: 'notFound',
  409: 'conflict',
  413: 'requestEntityTooLarge',
  429: 'tooManyRequests',
  500: 'internalServerError',
  502: 'badGateway',
  503: 'serviceUnavailable',
  504: 'gatewayTimeout',
};

const DEFAULT_MESSAGES: Record<number, string> = {
  403: 'The caller does not have access to the product.',
  404: 'The requested resource was not found.',
  429: 'Rate limit is exceeded. Try again later.',
  500: 'An internal server error occurred.',
  502: 'The gateway received an invalid response from the upstream server.',
  503: 'The service is temporarily unavailable. Try again later.',
  504: 'The gateway timed out waiting for the upstream server.',
};

/** Graph's 401 messages, by what was wrong with the token. */
const UNAUTHORIZED_MESSAGES: Record<Exclude<AuthVerdict, 'valid'>, string> = {
  missing: 'Access token is empty.',
  invalid: 'Access token validation failure.',
  wrongAudience: 'Access token validation failure. Invalid audience.',
  expired: 'Lifetime validation failed, the token is expired.',
};

/** An error in the documented layout, `details` empty. */
export function ingestionErrorReply(status: number, message?: string, headers: Record<string, string> = {}): Reply {
  const code = ERROR_CODES[status] ?? 'error';
  return jsonReply(status, { error: { code, message: message ?? DEFAULT_MESSAGES[status] ?? `The request failed with status ${status}.`, details: [] } }, headers);
}

/** Graph's 401 for a token it refuses, with the `WWW-Authenticate` challenge the CPP routes send too. */
export function unauthorizedReply(auth: Exclude<AuthVerdict, 'valid'>): Reply {
  const expired = auth === 'expired' ? ', error_description="The token is expired"' : '';
  return jsonReply(
    401,
    { error: { code: 'InvalidAuthenticationToken', message: UNAUTHORIZED_MESSAGES[auth] } },
    { 'www-authenticate': `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"${expired}` },
  );
}

/** The answer of a `status` fault: the given body, or the documented error layout for that status. */
export function ingestionStatusFaultReply(fault: Extract<JobFault, { kind: 'status' }>): Reply {
  const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {};
  if (fault.body !== undefined) return customBodyReply(fault.status, fault.body, headers);
  const message = fault.status === 429 && fault.retryAfter !== undefined ? `Rate limit is exceeded. Try again in ${fault.retryAfter} seconds.` : undefined;
  return ingestionErrorReply(fault.status, message, headers);
}
