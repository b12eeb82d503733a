import { AppError, ErrorCode } from '../../errors.js';

/**
 * What gaxios (under @googleapis/admin and google-auth-library) throws, as far as the bot reads it: an HTTP status,
 * the API's `error.errors[].reason` or the token endpoint's `error`, or a transport code (ECONNREFUSED, ETIMEDOUT,
 * an AbortError).
 */
interface SdkError {
  readonly name?: string;
  readonly status?: number;
  readonly code?: string | number;
  readonly message?: string;
  readonly response?: {
    readonly status?: number;
    readonly data?: {
      readonly error?:
        | string
        | { readonly errors?: readonly { readonly reason?: string; readonly message?: string }[] };
      readonly error_description?: string;
    };
  };
}

const CONNECT_FAILURES = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|CERT|certificate/i;

const statusOf = (e: SdkError) => e.status ?? e.response?.status;

/** The API's first `reason` (forbidden, invalid, rateLimitExceeded…), or the token endpoint's `error`. */
function reasonOf(e: SdkError): string | undefined {
  const error = e.response?.data?.error;
  if (typeof error === 'string') return error;
  return error?.errors?.[0]?.reason;
}

/**
 * Google's quota and rate limits answer 403 (sometimes 429) with one of these reasons, not a refusal of the right:
 * https://developers.google.com/workspace/admin/directory/v1/limits
 */
const RATE_LIMITED = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded']);
const rateLimited = (e: SdkError) => statusOf(e) === 429 || RATE_LIMITED.has(reasonOf(e) ?? '');

/** The token endpoint refused the service account (its answer is an OAuth error, not an API error). */
const tokenRefused = (e: SdkError) => typeof e.response?.data?.error === 'string';

function details(e: SdkError): Record<string, string | number> {
  const status = statusOf(e);
  const reason = reasonOf(e);
  return { ...(status ? { httpStatus: status } : {}), ...(reason ? { providerCode: reason } : {}) };
}

function transport(e: SdkError): 'not_sent' | 'maybe_sent' | undefined {
  if (statusOf(e)) return undefined;
  return CONNECT_FAILURES.test(`${String(e.code ?? '')} ${e.message ?? ''}`) ? 'not_sent' : 'maybe_sent';
}

export function classifyGoogleReadError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as SdkError;
  if (tokenRefused(e) || statusOf(e) === 401) {
    return new AppError(ErrorCode.DirectoryUnavailable, 'Google refused the service account', {
      reason: 'bind_rejected',
      ...details(e),
    });
  }
  if (rateLimited(e)) {
    return new AppError(ErrorCode.DirectoryUnavailable, 'Google rate limit', { reason: 'rate_limited', ...details(e) });
  }
  const how = transport(e);
  return new AppError(ErrorCode.DirectoryUnavailable, 'Google Workspace could not be read', {
    ...(how === 'maybe_sent' ? { reason: 'timeout' } : how ? { transport: 'unreachable' } : {}),
    ...details(e),
  });
}

/** A write that failed: an answer means it did not happen (but a 5xx may have); no answer means it may have. */
export function classifyGoogleWriteError(err: unknown, secret?: string): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as SdkError;
  const status = statusOf(e);
  const how = transport(e);
  if (how === 'not_sent') {
    return new AppError(ErrorCode.DirectoryUnavailable, 'Google could not be reached', { transport: 'unreachable' });
  }
  if (/maximum redirect/i.test(e.message ?? '')) {
    // Redirects are not followed: the write was answered with one, and did not happen where it was sent.
    return new AppError(ErrorCode.DirectoryWriteFailed, 'Google answered a write with a redirect', {
      reason: 'redirected',
    });
  }
  if (how === 'maybe_sent' || (status !== undefined && status >= 500)) {
    return new AppError(ErrorCode.DirectoryOutcomeUnknown, 'Google did not answer a write', {
      transport: 'timeout',
      ...details(e),
    });
  }
  const error = e.response?.data?.error;
  const message = (typeof error === 'object' ? (error.errors?.[0]?.message ?? '') : (e.message ?? ''))
    .split(secret || '\u0000')
    .join('•••');
  if (rateLimited(e)) {
    return new AppError(ErrorCode.DirectoryWriteFailed, 'Google rate limit on a write', {
      reason: 'rate_limited',
      ...details(e),
    });
  }
  if (status === 400 && /password/i.test(message)) {
    return new AppError(ErrorCode.DirectoryPolicyRejected, 'Google refused the password', {
      ...details(e),
      causes: message.slice(0, 300),
    });
  }
  if (tokenRefused(e) || status === 401 || status === 403) {
    return new AppError(ErrorCode.DirectoryAccessDenied, 'Google refused the write', details(e));
  }
  return new AppError(ErrorCode.DirectoryWriteFailed, 'Google refused the write', details(e));
}

/** The start-up check's failure, naming the variable (or the Admin console setting) to fix. */
export function describeGoogleStartupError(
  err: unknown,
  apiUrl: string,
  clientId: string,
  scopes: readonly string[],
): string {
  const e = (err ?? {}) as SdkError;
  const reason = reasonOf(e);
  if (reason === 'unauthorized_client') {
    return `GOOGLE_SERVICE_ACCOUNT_FILE: the service account may not act for GOOGLE_ADMIN_SUBJECT (unauthorized_client): in the Admin console, Security → Access and data control → API controls → Domain-wide delegation, allow client ID ${clientId} the scopes ${scopes.join(',')}`;
  }
  if (reason === 'invalid_grant') {
    const why = e.response?.data?.error_description ?? '';
    return /email|user/i.test(why)
      ? `GOOGLE_ADMIN_SUBJECT: Google does not know that user (invalid_grant: ${why})`
      : `GOOGLE_SERVICE_ACCOUNT_FILE: Google refused the service account's key (invalid_grant${why ? `: ${why}` : ''}): a deleted key, or this machine's clock is off`;
  }
  if (tokenRefused(e)) return `GOOGLE_SERVICE_ACCOUNT_FILE: Google refused the service account (${reason})`;
  const status = statusOf(e);
  if (reason === 'accessNotConfigured') {
    return `GOOGLE_SERVICE_ACCOUNT_FILE: the Admin SDK API is not enabled in the service account's Cloud project (accessNotConfigured): enable it under APIs & Services`;
  }
  if (rateLimited(e))
    return `GOOGLE_API_URL: the Admin SDK turned the bot away (${reason ?? 'HTTP 429'}): try again in a minute`;
  if (status === 403) {
    return `GOOGLE_ADMIN_SUBJECT: the admin the bot acts as may not list users (${reason ?? 'HTTP 403'}): use an admin with a role that manages users`;
  }
  if (status) return `GOOGLE_API_URL: the Admin SDK at ${apiUrl} answered HTTP ${status}${reason ? ` ${reason}` : ''}`;
  return `GOOGLE_API_URL / GOOGLE_TOKEN_URL: cannot reach Google (${String(e.code ?? e.message?.split('\n')[0] ?? 'no answer')})`;
}
