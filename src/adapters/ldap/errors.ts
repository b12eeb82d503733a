import { describeAdBindReason } from '../../domain/ad-bind-reasons.js';
import { AppError, ErrorCode } from '../../errors.js';
import { LdapConnectError } from './connection.js';

/**
 * Turns what ldapts threw into an AppError holding only codes (LDAP result code, AD's `data` and extended codes,
 * the transport's code). Server messages are not kept whole: they are for logs through these codes only.
 */

/** `data 773` → `773`, from an AD (or Samba) diagnostic message. */
export function adDataCode(message: string): string | undefined {
  return /\bdata ([0-9a-f]{1,8})\b/i.exec(message)?.[1]?.toLowerCase();
}

/** `0000052D: Constraint violation …` → `0000052D`, AD's extended error at the start of the message. */
export function adExtendedCode(message: string): string | undefined {
  return /^([0-9A-F]{8}):/i.exec(message)?.[1]?.toUpperCase();
}

/** What went wrong below LDAP: a transport code, `timeout`, or `connection_lost`. */
function transportReason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string') return e.code;
  const message = typeof e?.message === 'string' ? e.message : '';
  if (/timed? ?out/i.test(message)) return 'timeout';
  return 'connection_lost';
}

function ldapDetails(err: unknown): Record<string, string | number> {
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  const message = typeof e.message === 'string' ? e.message : '';
  const data = adDataCode(message);
  const extended = adExtendedCode(message);
  return {
    ...(typeof e.code === 'number' ? { ldapCode: e.code } : {}),
    ...(typeof e.name === 'string' ? { ldapError: e.name } : {}),
    ...(data ? { adData: data } : {}),
    ...(extended ? { adCode: extended } : {}),
  };
}

/** A read (lookup, group check, change detection) that failed: the directory could not answer. */
export function classifyReadError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof LdapConnectError) return connectError(err);
  const e = err as { code?: unknown };
  if (typeof e?.code === 'number') {
    return new AppError(ErrorCode.DirectoryUnavailable, 'The directory refused the search', {
      reason: 'search_failed',
      ...ldapDetails(err),
    });
  }
  return new AppError(ErrorCode.DirectoryUnavailable, 'The directory did not answer', {
    reason: transportReason(err),
  });
}

/** A password write that failed. Only a lost connection leaves its outcome open. */
export function classifyWriteError(err: unknown): AppError {
  if (err instanceof LdapConnectError) return connectError(err);
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code !== 'number') {
    return new AppError(ErrorCode.DirectoryOutcomeUnknown, 'The connection was lost during the write', {
      reason: transportReason(err),
    });
  }
  const details = ldapDetails(err);
  switch (e.code) {
    case 19: // constraintViolation: AD 0000052D, OpenLDAP ppolicy "Password fails quality checking policy"
      return new AppError(
        ErrorCode.DirectoryPolicyRejected,
        'The directory password policy refused the password',
        details,
      );
    case 50: // insufficientAccessRights
      return new AppError(ErrorCode.DirectoryAccessDenied, 'The bind account may not reset this password', details);
    case 53: // unwillingToPerform: AD's 0000001F is "unicodePwd over an unencrypted connection"
      return new AppError(ErrorCode.DirectoryWriteFailed, 'The directory would not perform the write', {
        ...details,
        reason: details.adCode === '0000001F' ? 'encryption_required' : 'unwilling',
      });
    case 32: // noSuchObject: moved or deleted since the lookup
      return new AppError(ErrorCode.EmployeeChanged, 'The account is no longer where the lookup found it', details);
    default:
      return new AppError(ErrorCode.DirectoryWriteFailed, 'The directory refused the write', details);
  }
}

function connectError(err: LdapConnectError): AppError {
  const cause = err.cause;
  const details =
    err.stage === 'bind'
      ? { reason: 'bind_rejected', ...ldapDetails(cause) }
      : { reason: err.stage === 'starttls' ? 'starttls_failed' : 'connect_failed', transport: transportReason(cause) };
  return new AppError(
    ErrorCode.DirectoryUnavailable,
    `Could not open the directory connection (${err.stage})`,
    details,
  );
}

const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_UNTRUSTED',
]);

/**
 * Start-up: one sentence naming the variable to fix. `url` is LDAP_URL as configured.
 */
export function describeStartupError(err: unknown, url: string): string {
  if (err instanceof LdapConnectError) {
    const cause = err.cause as { code?: unknown; message?: unknown };
    const code = typeof cause?.code === 'string' ? cause.code : undefined;
    const message = typeof cause?.message === 'string' ? cause.message : '';
    if (code && CERTIFICATE_CODES.has(code)) {
      return `LDAP_CA_FILE: the certificate of ${url} is not trusted (${code}); set LDAP_CA_FILE to the PEM file of the CA that issued it`;
    }
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return `LDAP_URL: the certificate of ${url} does not name that host (${code}); connect by a name or address the certificate lists`;
    }
    if (err.stage === 'starttls') {
      return `LDAP_STARTTLS: StartTLS failed on ${url} (${code ?? (typeof cause?.code === 'number' ? `LDAP result ${cause.code}` : transportReason(cause))}); does the server offer it? Or use ldaps://`;
    }
    if (err.stage === 'bind') {
      const ldapCode = typeof cause?.code === 'number' ? cause.code : undefined;
      if (ldapCode === 8 || ldapCode === 13) {
        return `LDAP_URL: ${url} requires an encrypted connection (LDAP result ${ldapCode}); use ldaps:// or LDAP_STARTTLS=true`;
      }
      const reason = describeAdBindReason(adDataCode(message));
      return `LDAP_BIND_DN / LDAP_BIND_PASSWORD: the directory refused the bind (LDAP result ${ldapCode ?? '?'}${reason ? `: ${reason}` : ldapCode === 49 ? ': invalid credentials' : ''})`;
    }
    return `LDAP_URL: cannot connect to ${url} (${code ?? transportReason(cause)})`;
  }
  const code = (err as { code?: unknown })?.code;
  return `LDAP_URL: the directory at ${url} failed the start-up check (${typeof code === 'number' ? `LDAP result ${code}` : transportReason(err)})`;
}

/** A start-up check that failed; its message names the variable to fix and is shown as it is. */
export class StartupProblem extends Error {}
