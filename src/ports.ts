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
