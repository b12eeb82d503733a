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

/** A Slack user as `/resetpw @jane` needs them: who they are, and the email on their profile. */
export type SlackUserLookup =
  | { readonly kind: 'found'; readonly name: string; readonly email: string }
  /** No such user in this workspace (or one this app cannot see). */
  | { readonly kind: 'no_user' }
  /** The profile has no email: a bot, a guest from another organisation, a profile without one. */
  | { readonly kind: 'no_email'; readonly name: string }
  /** The bot token lacks a scope it needs for this: users:read, or users:read.email for the email. */
  | { readonly kind: 'missing_scope'; readonly scope: string }
  /** Slack could not answer (an error, a rate limit, no network): `reason` is its code, for the log. */
  | { readonly kind: 'unavailable'; readonly reason: string };

export interface SlackPeople {
  /** Never throws: every outcome is one of SlackUserLookup's. */
  lookup(userId: string): Promise<SlackUserLookup>;
}

/**
 * Who has opened the App Home, shared by every replica: a change to an admin's reset handled by another replica
 * (a delivery report, an expiry) republishes the Home there too.
 */
export interface HomeViewers {
  /** The user opened their Home now. */
  opened(userId: string, at: Date): Promise<void>;
  /** Whether they opened it at or after `since`. */
  openedSince(userId: string, since: Date): Promise<boolean>;
}
