import { AppError, ErrorCode } from '../../errors.js';

/** What the Okta SDK throws, as far as the bot reads it: OktaApiError, HttpError, or node-fetch's FetchError. */
interface SdkError {
  readonly name?: string;
  readonly status?: number;
  readonly errorCode?: string;
  readonly errorSummary?: string;
  readonly errorCauses?: readonly { errorSummary?: string }[];
  readonly type?: string;
  readonly code?: string;
  readonly message?: string;
}

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Okta's own error code and summary, for details (never the request, whose URL or body may hold secrets). */
function oktaDetails(e: SdkError): Record<string, string | number> {
  return {
    ...(e.status ? { httpStatus: e.status } : {}),
    ...(e.errorCode ? { providerCode: e.errorCode } : {}),
  };
}

/**
 * The requirement summaries of an E0000001 answer ("Password requirements were not met. …"), with anything that
 * equals the password taken out: the answer comes from outside, and details reach the logs.
 */
export function causesOf(e: SdkError, secret?: string): string | undefined {
  const causes = (e.errorCauses ?? [])
    .map((c) => String(c.errorSummary ?? ''))
    .filter(Boolean)
    .map((c) => (secret ? c.split(secret).join('•••') : c));
  return causes.length > 0 ? causes.join(' ').slice(0, 500) : undefined;
}

/** The SDK's own refusal to wait out a 429 past the request's time limit (nothing was sent again). */
const rateLimitWait = (e: SdkError) => /^HTTP 429 retry delay would exceed/.test(e.message ?? '');

/** A transport failure: connect refused or no such host (nothing was sent), or a timeout/reset (it may have been). */
function transport(e: SdkError): 'not_sent' | 'maybe_sent' | undefined {
  if (e.status !== undefined || rateLimitWait(e)) return undefined;
  if (e.code && CONNECT_FAILURES.has(e.code)) return 'not_sent';
  const aborted = e.name === 'AbortError' || e.type === 'aborted'; // the executor's deadline
  if (
    aborted ||
    e.name === 'FetchError' ||
    e.type === 'request-timeout' ||
    /time exceeded|timeout/i.test(e.message ?? '')
  ) {
    return 'maybe_sent';
  }
  return undefined;
}

/** A read (lookup, marker, change check) that failed: the directory is unavailable, or the bot may not read. */
export function classifyOktaReadError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as SdkError;
  if (e.status === 401) {
    return new AppError(ErrorCode.DirectoryUnavailable, 'Okta refused the API token', {
      reason: 'bind_rejected',
      ...oktaDetails(e),
    });
  }
  if (e.status === 429 || rateLimitWait(e)) {
    return new AppError(ErrorCode.DirectoryUnavailable, 'Okta rate limit', {
      reason: 'rate_limited',
      ...oktaDetails(e),
    });
  }
  const how = transport(e);
  return new AppError(ErrorCode.DirectoryUnavailable, 'Okta could not be read', {
    ...(how === 'maybe_sent' ? { reason: 'timeout' } : how ? { transport: 'unreachable' } : {}),
    ...oktaDetails(e),
  });
}

/**
 * A write (password, expiry, unlock, sessions) that failed. An answer from Okta means it did not happen; a lost
 * answer means it may have: DIRECTORY_OUTCOME_UNKNOWN, never retried (the caller scrambles).
 */
export function classifyOktaWriteError(err: unknown, secret?: string): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as SdkError;
  const how = transport(e);
  if (how === 'maybe_sent' || (e.status !== undefined && e.status >= 500)) {
    // No answer, or a 5xx (a gateway may have passed the write on before failing): it may have happened.
    return new AppError(ErrorCode.DirectoryOutcomeUnknown, 'Okta did not answer a write', {
      transport: 'timeout',
      ...oktaDetails(e),
    });
  }
  if (how === 'not_sent') {
    return new AppError(ErrorCode.DirectoryUnavailable, 'Okta could not be reached', { transport: 'unreachable' });
  }
  if (e.status === 400 && e.errorCode === 'E0000001') {
    const causes = causesOf(e, secret);
    return new AppError(ErrorCode.DirectoryPolicyRejected, 'Okta refused the password', {
      ...oktaDetails(e),
      ...(causes ? { causes } : {}),
    });
  }
  if (e.status === 401 || e.status === 403) {
    return new AppError(ErrorCode.DirectoryAccessDenied, 'Okta refused the write', oktaDetails(e));
  }
  if (e.status !== undefined && e.status >= 300 && e.status < 400) {
    // Redirects are not followed (a password must not be sent to another host): the write did not happen here.
    return new AppError(ErrorCode.DirectoryWriteFailed, 'Okta answered a write with a redirect', {
      reason: 'redirected',
      ...oktaDetails(e),
    });
  }
  if (e.status === 429 || rateLimitWait(e)) {
    return new AppError(ErrorCode.DirectoryWriteFailed, 'Okta rate limit on a write', {
      reason: 'rate_limited',
      ...oktaDetails(e),
    });
  }
  return new AppError(ErrorCode.DirectoryWriteFailed, 'Okta refused the write', oktaDetails(e));
}

/** How long Okta says to wait after a 429 (x-rate-limit-reset, epoch seconds), or undefined for anything else. */
export function rateLimitWaitMs(err: unknown): number | undefined {
  const e = err as { status?: number; headers?: { get?: (name: string) => string | null } & Record<string, unknown> };
  if (e?.status !== 429) return undefined;
  // The SDK's error carries the response's Headers (a plain record in older versions).
  const reset = Number(e.headers?.get?.('x-rate-limit-reset') ?? e.headers?.['x-rate-limit-reset']);
  return Number.isFinite(reset) ? Math.max(0, reset * 1000 - Date.now()) + 100 : undefined;
}

/** The steps of an Okta Verify push: list the user's factors, send the push, poll its transaction for the answer. */
export type FactorPushStep = 'list' | 'push' | 'poll';

/**
 * A step of the Okta Verify push that failed. Nothing of the account changes either way, so there is no unknown
 * outcome: the employee simply is not verified. Every error says `operation: 'factor_push'` and the step, for the
 * words (src/directory-messages.ts) and the logs.
 */
export function classifyOktaFactorError(err: unknown, step: FactorPushStep): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as SdkError;
  const details = { operation: 'factor_push', step, ...oktaDetails(e) };
  if (e.status === 401) {
    return new AppError(ErrorCode.DirectoryUnavailable, 'Okta refused the API token', {
      ...details,
      reason: 'bind_rejected',
    });
  }
  if (e.status === 403) {
    return new AppError(ErrorCode.DirectoryAccessDenied, 'Okta refused the factor push', details);
  }
  if (e.status === 404) {
    // The user or the factor is gone (deleted, or the employee reset Okta Verify) since the lookup.
    return new AppError(ErrorCode.EmployeeChanged, 'Okta no longer has this user or factor', {
      ...details,
      changed: 'entry',
    });
  }
  if (e.status === 429 || rateLimitWait(e)) {
    return new AppError(ErrorCode.DirectoryUnavailable, 'Okta rate limit', { ...details, reason: 'rate_limited' });
  }
  const how = transport(e);
  if (how === 'maybe_sent' || (e.status !== undefined && e.status >= 500)) {
    return new AppError(ErrorCode.DirectoryUnavailable, 'Okta did not answer', { ...details, reason: 'timeout' });
  }
  if (how === 'not_sent') {
    return new AppError(ErrorCode.DirectoryUnavailable, 'Okta could not be reached', {
      ...details,
      transport: 'unreachable',
    });
  }
  return new AppError(ErrorCode.DirectoryUnavailable, 'Okta refused the factor push', {
    ...details,
    reason: 'refused',
  });
}

/** The start-up check's failure, naming the variable to fix. */
export function describeOktaStartupError(err: unknown, orgUrl: string, auth: 'token' | 'privateKey' = 'token'): string {
  const e = (err ?? {}) as SdkError;
  const who = auth === 'token' ? 'OKTA_API_TOKEN' : 'OKTA_CLIENT_ID';
  if (e.status === 401) {
    return auth === 'token'
      ? `OKTA_API_TOKEN: Okta at ${orgUrl} refused the token (${e.errorCode ?? 'HTTP 401'}: revoked, expired, or from another org)`
      : `OKTA_CLIENT_ID: Okta at ${orgUrl} refused the service app's access token (${e.errorCode ?? 'HTTP 401'})`;
  }
  if (e.status === 403) {
    return auth === 'token'
      ? `OKTA_API_TOKEN: the token may not list users at ${orgUrl} (${e.errorCode ?? 'HTTP 403'}): create it as an administrator with a role over the employees`
      : `${who}: the service app may not list users at ${orgUrl} (${e.errorCode ?? 'HTTP 403'}): grant it the scopes ${'okta.users.read okta.users.manage okta.roles.read'} and assign it an admin role over the employees`;
  }
  if (e.status === 404)
    return `OKTA_ORG_URL: ${orgUrl} has no Okta API (HTTP 404): use the org's own URL, e.g. https://example.okta.com`;
  if (e.status !== undefined)
    return `OKTA_ORG_URL: Okta at ${orgUrl} answered HTTP ${e.status}${e.errorCode ? ` ${e.errorCode}` : ''}`;
  return `OKTA_ORG_URL: cannot reach ${orgUrl} (${e.code ?? e.type ?? 'no answer'})`;
}

/** The service app's token request failed (private_key_jwt): the variables that make it. */
export function describeOktaTokenError(err: unknown, orgUrl: string): string {
  const e = (err ?? {}) as SdkError & { oauthError?: string };
  if (e.oauthError === 'invalid_scope') {
    return `OKTA_CLIENT_ID: Okta at ${orgUrl} refused the service app's sign-in (invalid_scope): grant the app the scopes okta.users.read, okta.users.manage and okta.roles.read (Okta API Scopes tab)`;
  }
  if (e.oauthError || e.status === 400 || e.status === 401) {
    return `OKTA_CLIENT_ID / OKTA_PRIVATE_KEY_FILE: Okta at ${orgUrl} refused the service app's sign-in (${e.oauthError ?? `HTTP ${e.status}`}): check the client ID, and that the app uses "Public key / Private key" authentication with this key's public half registered (OKTA_KEY_ID if it has a kid)`;
  }
  if (e.status !== undefined) return `OKTA_ORG_URL: Okta's token endpoint at ${orgUrl} answered HTTP ${e.status}`;
  if (e.code && CONNECT_FAILURES.has(e.code)) return `OKTA_ORG_URL: cannot reach ${orgUrl} (${e.code})`;
  return `OKTA_PRIVATE_KEY_FILE: the service app could not sign in to ${orgUrl} (${e.message ?? 'no answer'})`;
}
