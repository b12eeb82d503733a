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

export interface SmsSender {
  /** Sends once, never retrying an ambiguous failure. Throws an AppError whose code says what happened. */
  send(message: { to: string; body: string }): Promise<SmsReceipt>;
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
}

export interface AuditRecord extends AuditEntry {
  readonly id: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly result: AuditResult | 'sending';
  readonly messageSid?: string;
  readonly errorCode?: string;
  readonly twilioErrorCode?: number;
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
  /** Marks rows still `sending` since before `before` as `unknown`; returns exactly the rows this call changed. */
  recoverInterrupted(before: Date): Promise<AuditRecord[]>;
}

export interface AdminMessenger {
  /** A direct message from the bot to one admin. */
  dm(userId: string, text: string): Promise<void>;
}
