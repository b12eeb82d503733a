import type { Logger } from 'pino';
import type { PasswordGenerator } from '../domain/password.js';
import { maskPhone } from '../domain/phone.js';
import { composeSmsText } from '../domain/sms-text.js';
import { AppError, asAppError, ErrorCode } from '../errors.js';
import type { AdminDirectory, AuditEntry, AuditOutcome, AuditStore, SmsSender } from '../ports.js';
import { adminRefusal } from './admin-check.js';

export interface ResetRequest {
  readonly requestId: string;
  readonly teamId?: string;
  readonly adminUserId: string;
  readonly employee: { readonly name: string; readonly code: string; readonly phoneE164: string };
  readonly reason?: string;
}

interface OutcomeBase {
  readonly employeeName: string;
  readonly maskedPhone: string;
}
export type ResetOutcome =
  | (OutcomeBase & { readonly status: 'sent'; readonly messageSid: string; readonly smsStatus: string })
  /** The caller is not (or can no longer be shown to be) an admin; nothing was generated or sent. */
  | (OutcomeBase & { readonly status: 'refused'; readonly error: AppError })
  /** Twilio said no: nothing was sent. */
  | (OutcomeBase & { readonly status: 'failed'; readonly error: AppError })
  /** The text may or may not have gone out. Never retried: a second text would carry a second password. */
  | (OutcomeBase & { readonly status: 'unknown'; readonly error: AppError });

export interface ResetPasswordDeps {
  readonly directory: AdminDirectory;
  readonly passwords: PasswordGenerator;
  readonly sms: SmsSender;
  readonly audit: AuditStore;
}

/**
 * check → record (sending) → generate → send → record (outcome). The password lives only inside
 * `temporaryPasswordText` and the send; the audit row is written before the send so a crash leaves evidence.
 */
export function createResetPassword(deps: ResetPasswordDeps) {
  return async function resetPassword(request: ResetRequest, log: Logger): Promise<ResetOutcome> {
    const base = { employeeName: request.employee.name, maskedPhone: maskPhone(request.employee.phoneE164) };
    const entry = auditEntry(request);
    // Fresh, not cached: an admin removed from the group after opening the form must be refused.
    const refusal = await adminRefusal(deps.directory, request.adminUserId, { fresh: true });
    if (refusal) {
      const outcome: ResetOutcome = { ...base, status: 'refused', error: refusal };
      await deps.audit.record(entry, toAuditOutcome(outcome)).catch((err) => log.error({ err }, 'audit write failed'));
      logOutcome(outcome, request, log);
      return outcome;
    }
    let auditId: string;
    try {
      auditId = await deps.audit.begin(entry);
    } catch (err) {
      // No record, no send: a reset nobody can trace is worse than a retry.
      log.error({ err }, 'audit write failed before sending; nothing sent');
      const error = new AppError(ErrorCode.AuditUnavailable, 'Could not write the audit record');
      const outcome: ResetOutcome = { ...base, status: 'failed', error };
      logOutcome(outcome, request, log);
      return outcome;
    }
    const outcome = await send(request, base);
    await deps.audit.finish(auditId, toAuditOutcome(outcome)).catch((err) => {
      log.error({ err, auditId }, 'audit row left in state sending: the outcome could not be recorded');
    });
    logOutcome(outcome, request, log);
    return outcome;
  };

  async function send(request: ResetRequest, base: OutcomeBase): Promise<ResetOutcome> {
    let body: string;
    try {
      body = temporaryPasswordText(request);
    } catch (err) {
      // Nothing reached Twilio, so this is a plain failure, not an unknown outcome.
      return { ...base, status: 'failed', error: asAppError(err) };
    }
    try {
      const receipt = await deps.sms.send({ to: request.employee.phoneE164, body });
      return { ...base, status: 'sent', messageSid: receipt.sid, smsStatus: receipt.status };
    } catch (err) {
      const error = asAppError(err);
      // Anything unexpected during the send may have happened after Twilio accepted the message.
      const ambiguous = error.code === ErrorCode.SmsOutcomeUnknown || error.code === ErrorCode.Internal;
      return { ...base, status: ambiguous ? 'unknown' : 'failed', error };
    }
  }

  /** The SMS text. The password exists only inside it, from here until the send returns. */
  function temporaryPasswordText(request: ResetRequest): string {
    const password = deps.passwords.generate({
      employeeName: request.employee.name,
      employeeCode: request.employee.code,
    });
    return composeSmsText(request.employee.name, password);
  }
}

function auditEntry(request: ResetRequest): AuditEntry {
  return {
    requestId: request.requestId,
    ...(request.teamId ? { teamId: request.teamId } : {}),
    adminUserId: request.adminUserId,
    employee: { name: request.employee.name, code: request.employee.code, phoneE164: request.employee.phoneE164 },
    ...(request.reason ? { reason: request.reason } : {}),
  };
}

export function toAuditOutcome(outcome: ResetOutcome): AuditOutcome {
  if (outcome.status === 'sent') return { result: 'sent', messageSid: outcome.messageSid };
  const twilioCode = outcome.error.details.twilioCode;
  return {
    result: outcome.status,
    errorCode: outcome.error.code,
    ...(typeof twilioCode === 'number' ? { twilioErrorCode: twilioCode } : {}),
  };
}

/** The outcome as one structured log line, next to the audit row. */
function logOutcome(outcome: ResetOutcome, request: ResetRequest, log: Logger): void {
  const fields = {
    event: 'reset_outcome',
    outcome: outcome.status,
    adminUserId: request.adminUserId,
    employeeCode: request.employee.code,
    maskedPhone: outcome.maskedPhone,
    reasonGiven: Boolean(request.reason),
    ...(outcome.status === 'sent'
      ? { messageSid: outcome.messageSid, smsStatus: outcome.smsStatus }
      : { errorCode: outcome.error.code, errorDetails: outcome.error.details }),
  };
  if (outcome.status === 'sent') log.info(fields, 'temporary password sent');
  else if (outcome.status === 'refused') log.warn(fields, 'reset refused');
  else log.error(fields, outcome.status === 'unknown' ? 'reset outcome unknown' : 'reset failed');
}
