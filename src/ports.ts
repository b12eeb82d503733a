/**
 * The narrow seams between the reset flow and the outside world. Real adapters live in src/adapters;
 * tests use the same adapters against local fakes, or their own small fakes of these interfaces.
 */

export interface AdminDirectory {
  /**
   * Whether the Slack user is in the admin group. `fresh` skips any cache. Throws an AppError
   * (ADMIN_CHECK_FAILED) when the answer cannot be had, so callers fail closed.
   */
  isAdmin(userId: string, options?: { fresh?: boolean }): Promise<boolean>;
}

export interface SmsReceipt {
  readonly sid: string;
  readonly status: string;
}

/** Twilio's view of one message after it was accepted. */
export interface SmsDeliveryStatus {
  /** Twilio's status: queued, sending, sent, delivered, undelivered, failed, … */
  readonly status: string;
  readonly errorCode?: number;
}

export interface SmsSender {
  /** Sends once, never retrying an ambiguous failure. Throws an AppError whose code says what happened. */
  send(message: { to: string; body: string }): Promise<SmsReceipt>;
  /** The message's current status. Throws an AppError (SMS_STATUS_UNAVAILABLE) when it cannot be read. */
  fetchStatus(sid: string): Promise<SmsDeliveryStatus>;
  /** Blanks the message body at the provider, so the password does not stay in its logs. */
  redact(sid: string): Promise<void>;
}

export interface EphemeralMessage {
  readonly text: string;
  readonly blocks?: readonly unknown[];
}

export interface ResponseUrlNotifier {
  /** Posts a private message to a Slack `response_url`, used exactly as Slack sent it. */
  post(responseUrl: string, message: EphemeralMessage): Promise<void>;
}

export type AuditResult = 'sent' | 'failed' | 'unknown' | 'refused' | 'invalid' | 'rate_limited';
/** A sent row's final word once Twilio reports delivery (`undelivered` covers Twilio's failed and canceled too). */
export type DeliveryResult = 'delivered' | 'undelivered';

/** Who asked for what. Fields the request never got to (a refused command has no employee) stay unset. */
export interface AuditEntry {
  readonly requestId: string;
  readonly teamId?: string;
  readonly adminUserId: string;
  readonly employee?: { readonly name?: string; readonly code?: string; readonly phoneE164?: string };
  readonly reason?: string;
}

export interface AuditOutcome {
  readonly result: AuditResult;
  readonly messageSid?: string;
  readonly errorCode?: string;
  readonly twilioErrorCode?: number;
  /** For `sent`: Twilio's status at creation and until when delivery is worth tracking. */
  readonly deliveryStatus?: string;
  readonly trackUntil?: Date;
}

export interface DeliveryEvent {
  readonly at: string;
  readonly status: string;
  readonly errorCode?: number;
}

export interface AuditRecord extends AuditEntry {
  readonly id: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly result: AuditResult | DeliveryResult | 'sending';
  readonly messageSid?: string;
  readonly errorCode?: string;
  readonly twilioErrorCode?: number;
  readonly deliveryStatus?: string;
  readonly deliveryErrorCode?: number;
  readonly trackUntil?: string;
  readonly redactedAt?: string;
  readonly announcementTs?: string;
}

export interface AuditQuery {
  readonly limit: number;
  readonly since?: string;
  readonly employeeCode?: string;
}

export interface AuditStore {
  /** A request that ends without a send (refused, invalid, rate limited): one finished row. */
  record(entry: AuditEntry, outcome: AuditOutcome): Promise<void>;
  /** Written before the SMS is sent (state `sending`), so a crash leaves evidence. Returns the row id. */
  begin(entry: AuditEntry): Promise<string>;
  finish(id: string, outcome: AuditOutcome): Promise<void>;
  /** Newest first. */
  list(query: AuditQuery): Promise<AuditRecord[]>;
  /**
   * Marks rows still `sending` since before `before` (only those in `ids`, if given) as `unknown`; returns exactly
   * the rows this call changed.
   */
  recoverInterrupted(before: Date, ids?: readonly string[]): Promise<AuditRecord[]>;
  /**
   * Records a delivery status if it differs from the stored one and the row is not final yet; a final status also
   * sets the row's result. True only for the call that changed the row, so with several replicas polling the same
   * message, exactly one of them reports each change.
   */
  recordDelivery(id: string, status: SmsDeliveryStatus, final: DeliveryResult | undefined): Promise<boolean>;
  markRedacted(id: string): Promise<void>;
  /** Stops tracking a sent row that never reached a final state; true only for the call that stopped it. */
  endTracking(id: string): Promise<boolean>;
  /** Remembers the audit channel message about this row, so that its delivery can update it after a restart. */
  setAnnouncement(id: string, ts: string): Promise<void>;
  /** Sent rows whose delivery is still worth tracking at `now`, and final rows still to be redacted. */
  deliveriesToResume(now: Date): Promise<AuditRecord[]>;
  /** Each delivery status change of these rows, oldest first. */
  deliveryEvents(ids: readonly string[]): Promise<Map<string, DeliveryEvent[]>>;
}

export interface SubmissionLedger {
  /** True the first time a modal submission (its `view.id`) is claimed, on any replica; false ever after. */
  claim(viewId: string, requestId: string): Promise<boolean>;
}

/** The limits a reset counts against, most specific first. */
export const RATE_LIMIT_NAMES = ['employee_10m', 'employee_day', 'phone_day', 'admin_hour', 'workspace_day'] as const;
export type RateLimitName = (typeof RATE_LIMIT_NAMES)[number];

/** The most resets each limit allows in its window; 0 turns a limit off. */
export type RateLimitMaxima = Readonly<Record<RateLimitName, number>>;

export interface RateLimitSubject {
  readonly teamId?: string;
  readonly adminUserId: string;
  readonly employeeCode: string;
  readonly phoneE164: string;
}

export type RateLimitDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      readonly limit: RateLimitName;
      readonly max: number;
      readonly windowSeconds: number;
      /** When the limit that refused frees up again. */
      readonly retryAt: Date;
    };

export interface RateLimiter {
  /**
   * Counts one reset against every limit, or against none: if any limit is reached, what was counted is given
   * back and the first limit reached is returned. Throws when the counters cannot be reached (callers fail closed).
   */
  take(subject: RateLimitSubject): Promise<RateLimitDecision>;
  /**
   * Gives back a reset that reached nobody (Twilio refused it, or it was not delivered), so a typo or a phone
   * that was off does not cost the admin a window. `only` narrows it to some limits.
   */
  refund(subject: RateLimitSubject, only?: readonly RateLimitName[]): Promise<void>;
}

export interface AdminMessenger {
  /** A direct message from the bot to one admin. */
  dm(userId: string, text: string): Promise<void>;
}

/** What the audit channel says about one reset: identifiers and the outcome, never the full number. */
export interface ResetSummary {
  readonly adminUserId: string;
  readonly employeeName?: string;
  readonly employeeCode?: string;
  readonly maskedPhone?: string;
  /** The audit result (sent, failed, delivered, …). */
  readonly result: string;
  /** An error code or Twilio status to show next to the result. */
  readonly detail?: string;
  readonly messageSid?: string;
}

export interface AuditChannel {
  /** Posts one message about a reset; returns its timestamp, so that the same message can be updated later. */
  announce(summary: ResetSummary): Promise<string>;
  update(ts: string, summary: ResetSummary): Promise<void>;
}
