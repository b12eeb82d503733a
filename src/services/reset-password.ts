import type { Logger } from 'pino';
import type { PasswordGenerator } from '../domain/password.js';
import { maskPhone } from '../domain/phone.js';
import { composeSmsText } from '../domain/sms-text.js';
import { AppError, asAppError, ErrorCode } from '../errors.js';
import type {
  AdminDirectory,
  AuditEntry,
  AuditOutcome,
  AuditStore,
  RateLimiter,
  RateLimitSubject,
  SmsSender,
  SubmissionLedger,
} from '../ports/index.js';
import { adminRefusal } from './admin-check.js';
import { type Announcer, summaryOf } from './announcer.js';
import type { DeliveryJob } from './delivery-tracker.js';

export interface ResetRequest {
  readonly requestId: string;
  readonly teamId?: string;
  readonly adminUserId: string;
  readonly employee: { readonly name: string; readonly code: string; readonly phoneE164: string };
  readonly reason?: string;
  /** Where to tell the admin about delivery later (the command's response_url), while it is still valid. */
  readonly responseUrl?: string;
  /** The modal submission (`view.id`): a reset is processed once per submission, whatever arrives. */
  readonly submissionId?: string;
}

interface OutcomeBase {
  readonly employeeName: string;
  readonly maskedPhone: string;
}
export type ResetOutcome =
  | (OutcomeBase & { readonly status: 'sent'; readonly messageSid: string; readonly smsStatus: string })
  /** The caller is not (or can no longer be shown to be) an admin, or the limits could not be checked. */
  | (OutcomeBase & { readonly status: 'refused'; readonly error: AppError })
  /** A rate limit was reached; the error's details say which one and when it frees up. */
  | (OutcomeBase & { readonly status: 'rate_limited'; readonly error: AppError })
  /** Nothing was sent (Twilio said no, or the bot could not record the reset first). */
  | (OutcomeBase & { readonly status: 'failed'; readonly error: AppError })
  /** The text may or may not have gone out. Never retried: a second text would carry a second password. */
  | (OutcomeBase & { readonly status: 'unknown'; readonly error: AppError })
  /** This submission was already claimed (a double submit, a replay, another replica): nothing was done. */
  | (OutcomeBase & { readonly status: 'duplicate' });
/** Every outcome but a duplicate, which leaves no trace of its own. */
export type RecordedOutcome = Exclude<ResetOutcome, { status: 'duplicate' }>;

export interface ResetPasswordDeps {
  readonly directory: AdminDirectory;
  readonly passwords: PasswordGenerator;
  readonly sms: SmsSender;
  readonly audit: AuditStore;
  readonly limits: RateLimiter;
  readonly submissions: SubmissionLedger;
  readonly announcer: Announcer;
  /** Starts following a sent message until Twilio reports a final state. */
  readonly trackDelivery: (job: DeliveryJob) => void;
  /** How long after sending delivery is worth tracking (the SMS validity period plus a margin). */
  readonly trackForMs: number;
  /** Audit ids of sends under way (between the `sending` row and its outcome), for a shutdown that cannot wait. */
  readonly underway?: Set<string>;
  readonly now?: () => number;
}

/** Lets I/O already started (the admin check's request) leave before synchronous database work runs. */
const afterPendingIo = () => new Promise<void>((resolve) => setImmediate(resolve));

type Gate =
  | { readonly kind: 'go' }
  | { readonly kind: 'duplicate' }
  | Pick<Extract<RecordedOutcome, { status: 'refused' | 'rate_limited' }>, 'status' | 'error'>;

/**
 * check, claim the submission and count against the limits → record (sending) → generate → send → record (outcome) → track delivery.
 * The password lives only inside `temporaryPasswordText` and the send; the audit row is written before the send
 * so that a crash leaves evidence.
 */
export function createResetPassword(deps: ResetPasswordDeps) {
  const now = deps.now ?? Date.now;

  return async function resetPassword(request: ResetRequest, log: Logger): Promise<ResetOutcome> {
    const base = { employeeName: request.employee.name, maskedPhone: maskPhone(request.employee.phoneE164) };
    const entry = auditEntry(request);
    const subject: RateLimitSubject = {
      ...(request.teamId ? { teamId: request.teamId } : {}),
      adminUserId: request.adminUserId,
      employeeCode: request.employee.code,
      phoneE164: request.employee.phoneE164,
    };
    const stopped = async (outcome: RecordedOutcome) => {
      await deps.audit.record(entry, toAuditOutcome(outcome)).catch((err) => log.error({ err }, 'audit write failed'));
      await deps.announcer.announce(summaryOf(entry, toAuditOutcome(outcome)), log);
      logOutcome(outcome, request, log);
      return outcome;
    };

    // Fresh, not cached: an admin removed from the group after opening the form must be refused. The submission
    // is claimed and the limits counted while Slack answers, so the database adds no time to the reset; a refusal
    // gives the counts back.
    const [refusal, gate] = await Promise.all([
      adminRefusal(deps.directory, request.adminUserId, { fresh: true }),
      afterPendingIo().then(() => admit(request, subject)),
    ]);
    if ('kind' in gate && gate.kind === 'duplicate') {
      log.warn(
        { event: 'reset_outcome', outcome: 'duplicate', submissionId: request.submissionId },
        'duplicate submission ignored',
      );
      return { ...base, status: 'duplicate' };
    }
    if (refusal) {
      if ('kind' in gate) await refund(subject, log);
      return stopped({ ...base, status: 'refused', error: refusal });
    }
    if (!('kind' in gate)) return stopped({ ...base, ...gate });

    let auditId: string;
    try {
      auditId = await deps.audit.begin(entry);
    } catch (err) {
      // No record, no send: a reset nobody can trace is worse than a retry.
      log.error({ err }, 'audit write failed before sending; nothing sent');
      await refund(subject, log);
      const error = new AppError(ErrorCode.AuditUnavailable, 'Could not write the audit record');
      const outcome: RecordedOutcome = { ...base, status: 'failed', error };
      logOutcome(outcome, request, log);
      return outcome;
    }
    deps.underway?.add(auditId);
    const outcome = await send(request, base).finally(() => deps.underway?.delete(auditId));
    const trackUntil = new Date(now() + deps.trackForMs);
    const [, announcement] = await Promise.all([
      deps.audit
        .finish(auditId, toAuditOutcome(outcome, outcome.status === 'sent' ? trackUntil : undefined))
        .catch((err) =>
          log.error({ err, auditId }, 'audit row left in state sending: the outcome could not be recorded'),
        ),
      deps.announcer.announce(summaryOf(entry, toAuditOutcome(outcome)), log),
    ]);
    if (announcement) await deps.audit.setAnnouncement(auditId, announcement).catch(() => undefined);
    logOutcome(outcome, request, log);
    // Nothing reached the phone, so the reset does not count: a mistyped number must not cost a window.
    if (outcome.status === 'failed') await refund(subject, log);
    if (outcome.status === 'sent') {
      deps.trackDelivery({
        auditId,
        messageSid: outcome.messageSid,
        status: outcome.smsStatus,
        trackUntil,
        summary: summaryOf(entry, toAuditOutcome(outcome)),
        subject,
        ...(request.responseUrl ? { responseUrl: request.responseUrl } : {}),
        ...(announcement ? { announcementTs: announcement } : {}),
      });
    }
    return outcome;
  };

  /** Once per submission, then within the limits. Fails closed: a store that cannot answer is a refusal. */
  async function admit(request: ResetRequest, subject: RateLimitSubject): Promise<Gate> {
    if (request.submissionId) {
      try {
        if (!(await deps.submissions.claim(request.submissionId, request.requestId))) return { kind: 'duplicate' };
      } catch (err) {
        const details = { errorName: err instanceof Error ? err.name : typeof err };
        return {
          status: 'refused',
          error: new AppError(ErrorCode.AuditUnavailable, 'Could not claim the submission', details),
        };
      }
    }
    return checkLimits(subject);
  }

  async function checkLimits(subject: RateLimitSubject): Promise<Gate> {
    try {
      const decision = await deps.limits.take(subject);
      if (decision.allowed) return { kind: 'go' };
      const { limit, max, windowSeconds, retryAt } = decision;
      const details = { limit, max, windowSeconds, retryAt: Math.ceil(retryAt.getTime() / 1000) };
      return { status: 'rate_limited', error: new AppError(ErrorCode.RateLimited, 'Rate limit reached', details) };
    } catch (err) {
      // Fail closed: counters that cannot be read are no permission to send.
      const error = asAppError(err);
      return {
        status: 'refused',
        error:
          error.code === ErrorCode.RateLimitUnavailable
            ? error
            : new AppError(ErrorCode.RateLimitUnavailable, 'Rate limit check failed', error.details),
      };
    }
  }

  async function refund(subject: RateLimitSubject, log: Logger): Promise<void> {
    await deps.limits.refund(subject).catch((err) => log.warn({ err }, 'could not give back a rate limit count'));
  }

  async function send(request: ResetRequest, base: OutcomeBase): Promise<RecordedOutcome> {
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

export function toAuditOutcome(outcome: RecordedOutcome, trackUntil?: Date): AuditOutcome {
  if (outcome.status === 'sent') {
    return {
      result: 'sent',
      messageSid: outcome.messageSid,
      deliveryStatus: outcome.smsStatus,
      ...(trackUntil ? { trackUntil } : {}),
    };
  }
  const { code, details } = outcome.error;
  return {
    result: outcome.status,
    errorCode: outcome.status === 'rate_limited' ? `${code}:${String(details.limit)}` : code,
    ...(typeof details.twilioCode === 'number' ? { twilioErrorCode: details.twilioCode } : {}),
  };
}

/** The outcome as one structured log line, next to the audit row. */
function logOutcome(outcome: RecordedOutcome, request: ResetRequest, log: Logger): void {
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
  else if (outcome.status === 'refused' || outcome.status === 'rate_limited') log.warn(fields, 'reset refused');
  else log.error(fields, outcome.status === 'unknown' ? 'reset outcome unknown' : 'reset failed');
}
