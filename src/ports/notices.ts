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

/** Expiries the admin hears of, by DM (the reset's reply URL is long gone by then). */
export interface ExpiryNotices {
  /** The password expired unused: `result` is what became of it (scrambled, or it could not be). */
  expired(password: LivePassword, result: 'scrambled' | 'scramble_failed', sessionsEnded: boolean): Promise<void>;
  /** No marker was read after the set, so the employee's own change cannot be told: the password was left alone. */
  cannotTell(password: LivePassword): Promise<void>;
}
