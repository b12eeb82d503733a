/**
 * Ports onto what the admin is told after the fact. The use cases hand over what happened; the Slack side
 * (src/adapters) chooses the words (src/views) and the way there (the command's reply URL, a DM, the audit channel).
 */
import type { Logger } from 'pino';
import type { AuditRecord, DeliveryResult, DirectoryResult } from './audit.js';
import type { LivePassword } from './expiry.js';
import type { RateLimitSubject } from './limits.js';
import type { ResetSummary } from './slack.js';
import type { SmsDeliveryStatus } from './sms.js';

/** A sent message being followed until the provider gives a final state. */
export interface DeliveryJob {
  readonly auditId: string;
  readonly messageSid: string;
  /** The last status known (from the send, or from the store after a restart). */
  readonly status: string;
  readonly trackUntil: Date;
  readonly summary: ResetSummary;
  /** What the reset was counted against, so that a text that never arrived can give back its 10-minute count. */
  readonly subject: RateLimitSubject;
  /** The command's response_url, known only to the process that sent; Slack honours it for 30 minutes. */
  readonly responseUrl?: string;
  readonly sentAt?: Date;
  readonly announcementTs?: string;
  /** The account whose password was set, scrambled if the text is not delivered. */
  readonly directoryAccountId?: string;
}

/** How a text ended, told to the admin and to the audit channel. */
export interface DeliveryReporter {
  /**
   * The text reached a final state. `directory` is what became of the password when the text did not arrive
   * (scrambled, or not, and why), undefined when there was nothing to do.
   */
  final(
    job: DeliveryJob,
    status: SmsDeliveryStatus,
    final: DeliveryResult,
    directory: DirectoryResult | undefined,
    log: Logger,
  ): Promise<void>;
  /** Tracking ended without a final state. */
  gaveUp(job: DeliveryJob, last: string, log: Logger): Promise<void>;
}

/** Resets the bot could not see through: told to the admin who asked. */
export interface InterruptionNotices {
  /** The process died (or shut down) mid-reset; `directory` is what became of a password it may have set. */
  interrupted(row: AuditRecord, directory: DirectoryResult | undefined): Promise<void>;
  /** A scramble that had failed is done now, or a later reset made it moot. */
  scrambleRetried(row: AuditRecord, result: 'scrambled' | 'superseded'): Promise<void>;
}

/** The employee's own change of a temporary password, as the watch saw it. */
export interface PasswordChangeSeen {
  readonly password: LivePassword;
  /** The directory's own time of the change, where it keeps one (Google does not). */
  readonly changedAt?: Date;
  /** When the bot saw it. */
  readonly seenAt: Date;
  /** When Twilio reported the text delivered, if it did. */
  readonly deliveredAt?: Date;
  /** The reset's audit row, for the audit channel's message about it. */
  readonly record?: AuditRecord;
}

/** What the watch over a temporary password finds, told to the admin by DM (the reply URL is long gone by then). */
export interface ExpiryNotices {
  /** The employee set a password of their own: the reset is complete, the ticket can be closed. */
  changed(seen: PasswordChangeSeen): Promise<void>;
  /** The password expired unused: `result` is what became of it (scrambled, or it could not be). */
  expired(password: LivePassword, result: 'scrambled' | 'scramble_failed', sessionsEnded: boolean): Promise<void>;
  /** No marker was read after the set, so the employee's own change cannot be told: the password was left alone. */
  cannotTell(password: LivePassword): Promise<void>;
}

/**
 * A reset the employee is told of: their password was set in the directory and texted to them (`text: 'unknown'`:
 * the provider did not answer, so the text may or may not have gone out, but the password is live either way).
 */
export interface PasswordSent {
  readonly auditId: string;
  readonly adminUserId: string;
  /** The email the directory holds for the account: how the employee is found in Slack. */
  readonly email?: string;
  readonly maskedPhone: string;
  /** When the reset set the password (taken just before the write, so an expiry stated from it is never late). */
  readonly setAt: Date;
  readonly text: 'sent' | 'unknown';
}

/** What the employee reads: never the password, only who did what, when, and until when it works. */
export interface EmployeeNotice extends Omit<PasswordSent, 'auditId' | 'email'> {
  readonly email: string;
  /** When the temporary password stops working (TEMP_PASSWORD_TTL); absent when it does not expire. */
  readonly expiresAt?: Date;
}

/** What became of a notice. `detail` is Slack's error code or a transport reason, for the log. */
export type EmployeeNoticeDelivery =
  | { readonly result: 'sent' }
  | { readonly result: 'not_in_slack' | 'missing_scope' | 'failed'; readonly detail: string };

/** The employee hears of a reset of their password from the bot, in a channel an attacker does not control. */
export interface EmployeeNotices {
  /** Finds the employee by email and tells them by DM. Never throws: says what became of the notice. */
  passwordReset(notice: EmployeeNotice): Promise<EmployeeNoticeDelivery>;
}

/** What became of a send Twilio never answered, once its list was asked (services/unknown-sends.ts). */
export interface UnknownSendNotices {
  /** Twilio has no such message: the text was never sent; `directory` is what became of the password. */
  notSent(row: AuditRecord, directory: DirectoryResult | undefined): Promise<void>;
  /** Still unknown: several texts to that number (`count`), or the list could not be read. */
  unresolved(row: AuditRecord, why: 'ambiguous' | 'lookup_failed', count: number): Promise<void>;
}

/** Failed verifications security must hear of (the audit channel, SECURITY_CONTACT where it is a channel). */
export interface VerificationAlerts {
  /** Three wrong codes for one employee: whoever is on the line may not be them; verification locked until then. */
  possibleImpersonation(alert: {
    readonly adminUserId: string;
    readonly employeeCode: string;
    readonly employeeName?: string;
    readonly lockedUntil: Date;
  }): Promise<void>;
  /** The employee answered "No, I did not" to a reset an admin asked for: someone may be impersonating them. */
  declined(alert: { readonly adminUserId: string; readonly employeeCode: string }): Promise<void>;
}

/** Asking the employee in Slack whether they asked for the reset (VERIFY_EMPLOYEE, method slack_approval). */
export interface EmployeeApprovals {
  /** Finds the employee by the email the directory holds and DMs them the question with its two buttons. */
  ask(question: {
    readonly verificationId: string;
    readonly email: string;
    /** Never asked: an admin cannot approve a reset they asked for (an account of their own, a shared mailbox). */
    readonly adminUserId: string;
    /** Which account, in the employee's words: its employee code. */
    readonly employeeCode: string;
    readonly reason?: string;
    readonly expiresAt: Date;
  }): Promise<
    | { readonly asked: true; readonly userId: string; readonly dm: { channel: string; ts: string } }
    | { readonly asked: false; readonly why: string }
  >;
  /** Replaces the question's buttons with what became of it. */
  settle(
    dm: { readonly channel: string; readonly ts: string },
    outcome: 'approved' | 'declined' | 'expired' | 'withdrawn',
  ): Promise<void>;
}
