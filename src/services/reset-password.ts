import type { Logger } from 'pino';
import type { Employee } from '../domain/employee.js';
import type { RecordedOutcome, ResetOutcome } from '../domain/outcome.js';
import type { PasswordGenerator } from '../domain/password.js';
import { maskPhone, type NumberRules } from '../domain/phone.js';
import { AppError, ErrorCode } from '../errors.js';
import type {
  AdminDirectory,
  AuditStore,
  DeliveryJob,
  Directory,
  NewLivePassword,
  PasswordSent,
  RateLimiter,
  RateLimitSubject,
  SmsSender,
  SubmissionLedger,
} from '../ports/index.js';
import { adminRefusal } from './admin-check.js';
import { type Announcer, summaryOf as summarize } from './announcer.js';
import type { Compensator } from './compensation.js';
import { createResetGate, type Gate } from './reset-gate.js';
import { auditEntry, logOutcome, toAuditOutcome } from './reset-records.js';
import type { ResetRequest } from './reset-request.js';
import { afterPendingIo, createSetAndSend, type ResetBase } from './set-and-send.js';

export type { ResetRequest, ResetTarget } from './reset-request.js';

export interface ResetPasswordDeps {
  readonly admins: AdminDirectory;
  /** The company directory the password is set in; absent with DIRECTORY=none (the password is only texted). */
  readonly directory?: Directory;
  readonly compensator?: Compensator;
  /** End the employee's sign-in sessions right after the set, where the directory can (DIRECTORY_REVOKE_SESSIONS). */
  readonly revokeSessions?: boolean;
  /**
   * Hears of each temporary password the moment it is set (its expiry is scheduled: TEMP_PASSWORD_TTL), while the
   * text goes out: before the row is finished, so that no finished reset is left without its expiry. If the password
   * is undone afterwards, the expiry finds it undone and does nothing.
   */
  readonly onPasswordSet?: (password: NewLivePassword, log: Logger) => Promise<void>;
  /**
   * Hears of each reset whose password was set in the directory and whose text went out (or may have: `unknown`),
   * as the reset returns: the employee's notice. Not awaited: it must cost the admin's answer nothing.
   */
  readonly onPasswordSent?: (sent: PasswordSent, log: Logger) => void;
  /**
   * The directory's own end of validity (OpenLDAP pwdEndTime), asked for with each set where the directory has one
   * and TEMP_PASSWORD_TTL is on: `validForMs` after the set, replacing the bot's own latest earlier one.
   */
  readonly nativeLimit?: {
    readonly validForMs: number;
    readonly latest: (directoryKind: string, accountId: string) => Promise<string | undefined>;
  };
  /** Hears of each reset whose send Twilio never answered (`unknown`), once its row is finished. Not awaited. */
  readonly onUnknownSend?: (auditId: string, log: Logger) => void;
  /** VERIFY_EMPLOYEE: see the reset gate (a verification consumed once; with `required`, none is no reset). */
  readonly verification?: {
    readonly required: boolean;
    consume(id: string, viewId: string, accountId: string): Promise<boolean>;
    lockedUntil(accountId: string): Promise<Date | undefined>;
  };
  readonly passwords: PasswordGenerator;
  readonly sms: SmsSender;
  readonly audit: AuditStore;
  readonly limits: RateLimiter;
  readonly submissions: SubmissionLedger;
  readonly announcer: Announcer;
  /** Which numbers may be texted (the number on record is checked again at reset time). */
  readonly numbers: NumberRules;
  /** Starts following a sent message until the provider reports a final state. */
  readonly trackDelivery: (job: DeliveryJob) => void;
  /** How long after sending delivery is worth tracking (the SMS validity period plus a margin). */
  readonly trackForMs: number;
  /** Audit ids of resets under way (between the `sending` row and its outcome), for a shutdown that cannot wait. */
  readonly underway?: Set<string>;
  /** Hears every recorded outcome (the metrics). */
  readonly onOutcome?: (outcome: RecordedOutcome) => void;
  readonly now?: () => number;
}

/**
 * check → look up → claim and limit → record (sending) → generate → set in the directory → send → compensate →
 * record (outcome) → track delivery.
 * The password exists only inside `setAndSend`: generated there, written to the directory and handed to the SMS
 * provider, never returned, stored or logged. The audit row is written before the directory is touched, so a
 * crash anywhere after leaves evidence (and the next start scrambles what it cannot vouch for).
 */
export function createResetPassword(deps: ResetPasswordDeps) {
  const now = deps.now ?? Date.now;
  const admit = createResetGate(deps);
  const setAndSend = createSetAndSend({ ...deps, now });

  return async function resetPassword(request: ResetRequest, log: Logger): Promise<ResetOutcome> {
    // Fresh, not cached: an admin removed from the group after opening the form must be refused. The form is
    // claimed, the employee looked up and the limits counted while Slack answers, so none of it adds time to the
    // reset; a refusal gives the counts back.
    // The bot's own earlier end of validity on the account (OpenLDAP pwdEndTime) is read then too: the set needs it.
    const [refusal, { gate, replaces }] = await Promise.all([
      adminRefusal(deps.admins, request.adminUserId, { fresh: true }),
      afterPendingIo()
        .then(() => admit(request))
        .then((gate) => ({ gate, replaces: latestLimit(gate) })),
    ]);
    if (gate.kind === 'duplicate') {
      log.warn(
        { event: 'reset_outcome', outcome: 'duplicate', submissionId: request.submissionId },
        'duplicate submission ignored',
      );
      return {
        ...baseOf(request, request.target.kind === 'typed' ? request.target.employee : undefined),
        status: 'duplicate',
      };
    }
    const employee = gate.employee;
    const account = gate.account;
    const entry = auditEntry(
      request,
      employee,
      account ? { kind: deps.directory?.kind ?? 'ldap', account } : undefined,
    );
    const base = baseOf(request, employee);
    const stopped = async (outcome: RecordedOutcome) => {
      await deps.audit.record(entry, toAuditOutcome(outcome)).catch((err) => log.error({ err }, 'audit write failed'));
      await deps.announcer.announce(summaryOf(outcome), log);
      logOutcome(outcome, request, employee, log);
      deps.onOutcome?.(outcome);
      return outcome;
    };
    const summaryOf = (outcome: RecordedOutcome) => summarize(entry, toAuditOutcome(outcome));

    if (refusal) {
      if (gate.kind === 'go') await refund(gate.subject, log);
      return stopped({ ...base, status: 'refused', error: refusal });
    }
    if (gate.kind === 'stop') return stopped({ ...base, status: gate.status, error: gate.error });
    const { subject } = gate;
    const target = gate.employee;

    const native = account && deps.directory && deps.nativeLimit ? deps.nativeLimit : undefined;
    let auditId: string;
    try {
      auditId = await deps.audit.begin(entry);
    } catch (err) {
      // No record, no reset: a change nobody can trace is worse than a retry.
      log.error({ err }, 'audit write failed before the reset; nothing changed or sent');
      await refund(subject, log);
      const error = new AppError(ErrorCode.AuditUnavailable, 'Could not write the audit record');
      const outcome: RecordedOutcome = { ...base, status: 'failed', error };
      logOutcome(outcome, request, target, log);
      deps.onOutcome?.(outcome);
      return outcome;
    }
    deps.underway?.add(auditId);
    const pending: Promise<unknown>[] = [];
    const setAt = new Date(now());
    const limit = native ? { validForMs: native.validForMs, replaces } : undefined;
    const outcome = await setAndSend(
      { auditId, employee: target, account, base, adminUserId: request.adminUserId, limit, pending },
      log,
    ).finally(() => deps.underway?.delete(auditId));
    await Promise.all(pending);
    const trackUntil = new Date(now() + deps.trackForMs);
    const [finished, announcement] = await Promise.all([
      deps.audit
        .finish(auditId, toAuditOutcome(outcome, outcome.status === 'sent' ? trackUntil : undefined))
        .catch((err) => {
          log.error({ err, auditId }, 'audit row left in state sending: the outcome could not be recorded');
          return false;
        }),
      deps.announcer.announce(summaryOf(outcome), log),
    ]);
    if (announcement) {
      await deps.audit
        .setAnnouncement(auditId, announcement)
        .catch((err) => log.warn({ err, auditId }, 'could not remember the audit channel message'));
    }
    logOutcome(outcome, request, target, log);
    deps.onOutcome?.(outcome);
    // Nothing reached the phone, so the reset does not count: a mistyped number must not cost a window.
    if (outcome.status === 'failed') await refund(subject, log);
    if (outcome.status === 'sent' && finished) {
      deps.trackDelivery({
        auditId,
        messageSid: outcome.messageSid,
        status: outcome.smsStatus,
        trackUntil,
        summary: summaryOf(outcome),
        subject,
        ...(request.responseUrl ? { responseUrl: request.responseUrl } : {}),
        ...(announcement ? { announcementTs: announcement } : {}),
        ...(account && deps.directory ? { directoryAccountId: account.id } : {}),
      });
    }
    // Twilio never answered: its message log is asked later whether the text went out (never a second text).
    if (outcome.status === 'unknown' && finished) deps.onUnknownSend?.(auditId, log);
    // A password live in the directory (an `unknown` text keeps it live too) is what the employee is told of; but
    // not one whose row this reset could not finish: the interrupted-reset sweep ends that row (it has, if another
    // process finished it first) and randomises the password.
    const live = (outcome.status === 'sent' || outcome.status === 'unknown') && outcome.directory?.result === 'set';
    if (live && account && finished) {
      deps.onPasswordSent?.(
        {
          auditId,
          adminUserId: request.adminUserId,
          ...(account.email ? { email: account.email } : {}),
          maskedPhone: outcome.maskedPhone,
          setAt,
          text: outcome.status,
        },
        log,
      );
    }
    return outcome;
  };

  /** Where the reset may go ahead on a directory account with a native end of validity: the bot's latest one. */
  function latestLimit(gate: Gate): Promise<string | undefined> | undefined {
    const { directory, nativeLimit } = deps;
    if (gate.kind !== 'go' || !gate.account || !directory || !nativeLimit) return undefined;
    return nativeLimit.latest(directory.kind, gate.account.id).catch(() => undefined);
  }

  async function refund(subject: RateLimitSubject, log: Logger): Promise<void> {
    await deps.limits.refund(subject).catch((err) => log.warn({ err }, 'could not give back a rate limit count'));
  }
}

function baseOf(request: ResetRequest, employee: Partial<Employee> | undefined): ResetBase {
  const code = request.target.kind === 'typed' ? request.target.employee.code : request.target.code;
  return {
    employeeName: employee?.name ?? code,
    maskedPhone: employee?.phoneE164 ? maskPhone(employee.phoneE164) : '',
  };
}

export type ResetPassword = ReturnType<typeof createResetPassword>;
