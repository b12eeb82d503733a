/** Ports onto Slack: the admin group, private replies, DMs and the audit channel. */

export interface AdminDirectory {
  /**
   * Whether the Slack user is in the admin group. `fresh` skips any cache. Throws an AppError
   * (ADMIN_CHECK_FAILED) when the answer cannot be had, so callers fail closed.
   */
  isAdmin(userId: string, options?: { fresh?: boolean }): Promise<boolean>;
}

export interface EphemeralMessage {
  readonly text: string;
  readonly blocks?: readonly unknown[];
}

export interface ResponseUrlNotifier {
  /** Posts a private message to a Slack `response_url`, used exactly as Slack sent it. */
  post(responseUrl: string, message: EphemeralMessage): Promise<void>;
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
  /** What happened in the company directory (`set in OpenLDAP`, `scrambled`, …), when one is configured. */
  readonly directory?: string;
}

export interface AuditChannel {
  /** Posts one message about a reset; returns its timestamp, so that the same message can be updated later. */
  announce(summary: ResetSummary): Promise<string>;
  update(ts: string, summary: ResetSummary): Promise<void>;
}
