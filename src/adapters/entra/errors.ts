import { AppError, ErrorCode } from '../../errors.js';

/**
 * What the Graph client and @azure/identity throw, as far as the bot reads them: GraphError (statusCode, code,
 * message; statusCode -1 when no answer came) and AuthenticationError (statusCode, errorResponse from the token
 * endpoint, with its AADSTS code).
 */
interface SdkError {
  readonly name?: string;
  readonly statusCode?: number;
  readonly code?: string;
  readonly message?: string;
  readonly errorResponse?: { readonly error?: string; readonly errorDescription?: string };
  readonly body?: unknown;
}

const CONNECT_FAILURES = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|certificate|self[- ]signed/i;

/** The token endpoint's answer: AADSTS7000215 and the like, never more than its code and first sentence. */
function aadsts(e: SdkError): string | undefined {
  const text = `${e.errorResponse?.errorDescription ?? ''} ${e.message ?? ''}`;
  return /AADSTS\d+/.exec(text)?.[0];
}

/**
 * A failed token request, as @azure/identity names it; the Graph client passes it on as a GraphError with status -1
 * and the name as its code.
 */
const TOKEN_ERRORS = new Set(['AuthenticationError', 'AuthenticationRequiredError', 'CredentialUnavailableError']);
const isTokenError = (e: SdkError) => TOKEN_ERRORS.has(e.name ?? '') || TOKEN_ERRORS.has(e.code ?? '');
/** The token endpoint answered (with an AADSTS refusal), as opposed to not being reached. */
const tokenRefused = (e: SdkError) => isTokenError(e) && (aadsts(e) !== undefined || (e.statusCode ?? 0) > 0);

function details(e: SdkError): Record<string, string | number> {
  const code = isTokenError(e) ? (aadsts(e) ?? e.errorResponse?.error ?? e.code) : e.code;
  return {
    ...(e.statusCode && e.statusCode > 0 ? { httpStatus: e.statusCode } : {}),
    ...(code ? { providerCode: code } : {}),
  };
}

/** No answer at all: refused or unresolved (nothing sent), or cut off or timed out (it may have been). */
function transport(e: SdkError): 'not_sent' | 'maybe_sent' | undefined {
  if (tokenRefused(e)) return undefined;
  // No token, no request: whatever stopped the sign-in, Graph was not asked.
  if (isTokenError(e)) return 'not_sent';
  if (e.statusCode !== undefined && e.statusCode > 0) return undefined;
  const text = `${e.code ?? ''} ${e.message ?? ''} ${String((e.body as { cause?: unknown } | undefined)?.cause ?? '')}`;
  return CONNECT_FAILURES.test(text) ? 'not_sent' : 'maybe_sent';
}

export function classifyEntraReadError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as SdkError;
  if (tokenRefused(e) || e.statusCode === 401) {
    return new AppError(ErrorCode.DirectoryUnavailable, 'Entra refused the app', {
      reason: 'bind_rejected',
      ...details(e),
    });
  }
  if (e.statusCode === 429) {
    return new AppError(ErrorCode.DirectoryUnavailable, 'Graph rate limit', { reason: 'rate_limited', ...details(e) });
  }
  const how = transport(e);
  return new AppError(ErrorCode.DirectoryUnavailable, 'Microsoft Graph could not be read', {
    ...(how === 'maybe_sent' ? { reason: 'timeout' } : how ? { transport: 'unreachable' } : {}),
    ...details(e),
  });
}

/**
 * A write that failed. Graph's answer means it did not happen, except a 5xx (a gateway may have passed it on); no
 * answer means it may have: DIRECTORY_OUTCOME_UNKNOWN, never retried (the caller scrambles).
 */
export function classifyEntraWriteError(err: unknown, secret?: string): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as SdkError;
  const how = transport(e);
  if (how === 'not_sent') {
    return new AppError(ErrorCode.DirectoryUnavailable, 'Entra could not be reached', {
      transport: 'unreachable',
      ...details(e),
    });
  }
  if (how === 'maybe_sent' || (e.statusCode !== undefined && e.statusCode >= 500)) {
    return new AppError(ErrorCode.DirectoryOutcomeUnknown, 'Graph did not answer a write', {
      transport: 'timeout',
      ...details(e),
    });
  }
  const message = (e.message ?? '').split(secret || '\u0000').join('•••');
  if (e.statusCode === 400 && /password/i.test(message)) {
    return new AppError(ErrorCode.DirectoryPolicyRejected, 'Entra refused the password', {
      ...details(e),
      causes: message.slice(0, 300),
    });
  }
  if (tokenRefused(e) || e.statusCode === 401 || e.statusCode === 403) {
    return new AppError(ErrorCode.DirectoryAccessDenied, 'Entra refused the write', details(e));
  }
  if (e.statusCode === 429) {
    return new AppError(ErrorCode.DirectoryWriteFailed, 'Graph rate limit on a write', {
      reason: 'rate_limited',
      ...details(e),
    });
  }
  return new AppError(ErrorCode.DirectoryWriteFailed, 'Entra refused the write', details(e));
}

/** The start-up check's failure, naming the variable to fix. */
export function describeEntraStartupError(
  err: unknown,
  graphUrl: string,
  authorityHost: string,
  credential: 'secret' | 'certificate' = 'secret',
): string {
  const key = credential === 'secret' ? 'ENTRA_CLIENT_SECRET' : 'ENTRA_CLIENT_CERTIFICATE_FILE';
  const e = (err ?? {}) as SdkError;
  if (isTokenError(e)) {
    const code = aadsts(e);
    const what = e.errorResponse?.error ?? e.code ?? e.name;
    if (code === 'AADSTS7000215' || code === 'AADSTS7000222') {
      return `ENTRA_CLIENT_SECRET: Entra refused the app's secret (${code}: wrong, or expired): create a new one under Certificates & secrets`;
    }
    if (code === 'AADSTS700016') {
      return `ENTRA_CLIENT_ID: no such app in the tenant (${code}): use the Application (client) ID of the app registration`;
    }
    if (code === 'AADSTS90002') return `ENTRA_TENANT_ID: no such tenant (${code})`;
    if (/endpoints_resolution_error/.test(e.message ?? '')) {
      // MSAL could not read the tenant's metadata: no such tenant, or no authority there (or its certificate).
      return `ENTRA_TENANT_ID / ENTRA_AUTHORITY_HOST: no sign-in metadata for this tenant at ${authorityHost} (endpoints_resolution_error): check the tenant ID (a GUID or its domain) and the authority host`;
    }
    if (!tokenRefused(e)) {
      return `ENTRA_AUTHORITY_HOST: cannot sign in at ${authorityHost} (${e.message?.split('\n')[0]?.slice(0, 200) ?? what})`;
    }
    return `ENTRA_CLIENT_ID / ${key}: Entra refused the app's sign-in (${code ?? what})${credential === 'certificate' ? ': check that this certificate is uploaded to the app registration (Certificates & secrets)' : ''}`;
  }
  if (e.statusCode === 403) {
    return `ENTRA_CLIENT_ID: the app may not read users (${e.code ?? 'HTTP 403'}): grant it the application permission User.Read.All with admin consent`;
  }
  if (e.statusCode !== undefined && e.statusCode > 0) {
    return `ENTRA_GRAPH_URL: Microsoft Graph at ${graphUrl} answered HTTP ${e.statusCode}${e.code ? ` ${e.code}` : ''}`;
  }
  return `ENTRA_GRAPH_URL: cannot reach ${graphUrl} (${e.code ?? e.message?.split('\n')[0] ?? 'no answer'})`;
}
