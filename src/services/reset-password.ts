import type { Logger } from 'pino';
import type { PasswordGenerator } from '../domain/password.js';
import { maskPhone } from '../domain/phone.js';
import { composeSmsText } from '../domain/sms-text.js';
import { type AppError, asAppError, ErrorCode } from '../errors.js';
import type { AdminDirectory, SmsSender } from '../ports.js';
import { adminRefusal } from './admin-check.js';

export interface ResetRequest {
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
}

/** check → generate → send → record. The password lives only inside `sendTemporaryPassword`. */
export function createResetPassword(deps: ResetPasswordDeps) {
  return async function resetPassword(request: ResetRequest, log: Logger): Promise<ResetOutcome> {
    const base = { employeeName: request.employee.name, maskedPhone: maskPhone(request.employee.phoneE164) };
    const outcome = await run(request, base);
    record(outcome, request, log);
    return outcome;
  };

  async function run(request: ResetRequest, base: OutcomeBase): Promise<ResetOutcome> {
    // Fresh, not cached: an admin removed from the group after opening the form must be refused.
    const refusal = await adminRefusal(deps.directory, request.adminUserId, { fresh: true });
    if (refusal) return { ...base, status: 'refused', error: refusal };
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

/** The outcome record. The durable audit trail is a separate port; until then this log line is the record. */
function record(outcome: ResetOutcome, request: ResetRequest, log: Logger): void {
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
