import type { Logger } from 'pino';
import type { Employee } from '../domain/employee.js';
import type { RecordedOutcome } from '../domain/outcome.js';
import type { AuditDirectoryStep, AuditEntry, AuditOutcome, DirectoryAccount, DirectoryKind } from '../ports/index.js';
import type { ResetRequest } from './reset-request.js';

/** How a reset is written down: the audit row and the one structured log line next to it. Never the password. */

export function auditEntry(
  request: ResetRequest,
  employee: Partial<Employee> | undefined,
  directory: { kind: DirectoryKind; account: DirectoryAccount } | undefined,
): AuditEntry {
  const e = employee ?? {};
  return {
    requestId: request.requestId,
    ...(request.teamId ? { teamId: request.teamId } : {}),
    adminUserId: request.adminUserId,
    employee: {
      ...(e.name ? { name: e.name } : {}),
      ...(e.code ? { code: e.code } : {}),
      ...(e.phoneE164 ? { phoneE164: e.phoneE164 } : {}),
    },
    ...(request.reason ? { reason: request.reason } : {}),
    ...(request.verification
      ? {
          verification: {
            method: request.verification.method,
            ...(request.verification.at ? { at: request.verification.at.toISOString() } : {}),
            ...(request.verification.failures !== undefined ? { failures: request.verification.failures } : {}),
          },
        }
      : {}),
    ...(directory
      ? { directory: { kind: directory.kind, accountId: directory.account.id, login: directory.account.login } }
      : {}),
  };
}

export function toAuditOutcome(outcome: RecordedOutcome, trackUntil?: Date): AuditOutcome {
  const directoryStep = directoryStepOf(outcome);
  const withStep = directoryStep ? { directoryStep } : {};
  if (outcome.status === 'sent') {
    return {
      result: 'sent',
      messageSid: outcome.messageSid,
      deliveryStatus: outcome.smsStatus,
      ...(trackUntil ? { trackUntil } : {}),
      ...withStep,
    };
  }
  const { code, details } = outcome.error;
  return {
    result: outcome.status,
    errorCode: outcome.status === 'rate_limited' ? `${code}:${String(details.limit)}` : code,
    ...(typeof details.twilioCode === 'number' ? { twilioErrorCode: details.twilioCode } : {}),
    ...withStep,
  };
}

function directoryStepOf(outcome: RecordedOutcome): AuditDirectoryStep | undefined {
  const d = outcome.directory;
  if (!d) return undefined;
  // Why a write failed is its own error; why a password was scrambled is the outcome's (the SMS error).
  const why = d.error?.code ?? ('error' in outcome ? outcome.error.code : undefined);
  const detail = d.result === 'set' ? undefined : why;
  const sessions = d.sessions ? (d.sessions.revoked ? 'revoked' : d.sessions.error.code) : undefined;
  return {
    result: d.result,
    ...(detail ? { detail } : {}),
    ...(d.marker ? { marker: d.marker } : {}),
    ...(sessions ? { sessions } : {}),
  };
}

/** The outcome as one structured log line, next to the audit row. */
export function logOutcome(
  outcome: RecordedOutcome,
  request: ResetRequest,
  employee: Partial<Employee> | undefined,
  log: Logger,
): void {
  const fields = {
    event: 'reset_outcome',
    outcome: outcome.status,
    adminUserId: request.adminUserId,
    employeeCode: employee?.code ?? (request.target.kind === 'directory' ? request.target.code : undefined),
    maskedPhone: outcome.maskedPhone,
    reasonGiven: Boolean(request.reason),
    ...(outcome.directory
      ? { directoryLogin: outcome.directory.login, directoryResult: outcome.directory.result }
      : {}),
    ...(outcome.status === 'sent'
      ? { messageSid: outcome.messageSid, smsStatus: outcome.smsStatus }
      : { errorCode: outcome.error.code, errorDetails: outcome.error.details }),
  };
  if (outcome.status === 'sent') log.info(fields, 'temporary password sent');
  else if (outcome.status === 'refused' || outcome.status === 'rate_limited' || outcome.status === 'invalid') {
    log.warn(fields, 'reset refused');
  } else log.error(fields, outcome.status === 'unknown' ? 'reset outcome unknown' : 'reset failed');
}
