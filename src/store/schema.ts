import type { Generated } from 'kysely';

/**
 * Outcomes of a /resetpw request. `sending` only while a send is under way; a `sent` row becomes `delivered` or
 * `undelivered` once Twilio reports a final delivery state.
 */
export const RESULTS = [
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'unknown',
  'refused',
  'invalid',
  'rate_limited',
] as const;
export type AuditResult = (typeof RESULTS)[number];

export interface ResetsTable {
  id: string;
  /** ISO 8601 UTC, fixed width, so text order is time order on both engines. */
  created_at: string;
  updated_at: string;
  request_id: string;
  team_id: string | null;
  admin_user_id: string;
  employee_name: string | null;
  employee_code: string | null;
  /** Full E.164: the audit trail is for investigators. Every other surface masks it. */
  phone_e164: string | null;
  reason: string | null;
  result: AuditResult;
  message_sid: string | null;
  error_code: string | null;
  twilio_error_code: number | null;
  /** Twilio's latest message status (queued, sent, delivered, undelivered, failed, …) and its error code. */
  delivery_status: string | null;
  delivery_error_code: number | null;
  /** Until when delivery is worth polling for (the SMS validity period plus a margin). */
  track_until: string | null;
  /** When the body was blanked at Twilio. */
  redacted_at: string | null;
  /** The ts of this reset's message in AUDIT_CHANNEL_ID, when one was posted. */
  announcement_ts: string | null;
  /** DIRECTORY's kind (ldap, ad) and the account the request was about: its DN and login. */
  directory_kind: string | null;
  directory_account: string | null;
  directory_login: string | null;
  /** The directory step (DirectoryResult): setting, set, failed, scrambled, scramble_failed, superseded. */
  directory_result: string | null;
  /** Why it failed or was scrambled (an error code, `undelivered`, `interrupted`). */
  directory_detail: string | null;
  /** The directory's marker right after the set, to tell later whether the employee changed the password. */
  directory_marker: string | null;
  directory_sessions: string | null;
  /** An `unknown` send looked up at the provider afterwards: found, not_found, ambiguous; null: not looked up. */
  sms_lookup: string | null;
  /** For a refusal: how many identical refusals of the same admin within a minute this row stands for. */
  repeat_count: number | null;
  /** Whether the employee was told by DM (EmployeeNoticeResult); null: not a reset the employee is told of. */
  employee_notice: string | null;
  /** How the employee was verified before the reset (code, skipped, not_required, …), when, and failed attempts. */
  verification_method: string | null;
  verified_at: string | null;
  verification_failures: number | null;
  seq: Generated<number>;
}

export interface SubmissionsTable {
  view_id: string;
  request_id: string;
  created_at: string;
}

/** Owned by rate-limiter-flexible; declared so that tests and clean-up can read it. */
export interface RateLimitsTable {
  key: string;
  points: number;
  expire: number | string | null;
}

export interface DeliveryEventsTable {
  seq: Generated<number>;
  reset_id: string;
  at: string;
  status: string;
  error_code: number | null;
}

export interface FormsTable {
  view_id: string;
  team_id: string;
  admin_user_id: string;
  channel_id: string;
  response_url: string;
  opened_at: string;
  confirmed_code: string | null;
  confirmed_account: string | null;
  confirmed_reason: string | null;
  confirmed_phone: string | null;
}

/** One row per live temporary password: when it expires, and what became of it (see ports/expiry.ts). */
export interface ExpiriesTable {
  audit_id: string;
  due_at: string;
  /** pending, claimed (by one process until lease_until), done. */
  state: string;
  lease_until: string | null;
  /** Which claim holds the row: only its holder may finish or release it (a lapsed lease may have moved on). */
  claim_token: string | null;
  directory_kind: string;
  account_id: string;
  login: string;
  marker: string;
  admin_user_id: string;
  employee_name: string;
  /** When the password was set, and when its watch ends (null on rows from before 0008: due_at). */
  set_at: string | null;
  ends_at: string | null;
  /** 1: scrambled at ends_at unless changed (TEMP_PASSWORD_TTL); 0: only watched until then. */
  expires: number;
  /** The native end of validity written with the password, as the directory took it (OpenLDAP pwdEndTime). */
  valid_until: string | null;
  /** changed, expired, expire_failed, superseded, already_undone, cannot_tell, unwatched. */
  outcome: string | null;
  finished_at: string | null;
}

/** One attempt to verify an employee before a reset (see ports/verification.ts). Never holds a code. */
export interface VerificationsTable {
  id: string;
  /** The modal it belongs to: the reset that follows must come from the same view. */
  view_id: string;
  team_id: string | null;
  admin_user_id: string;
  directory_kind: string;
  account_id: string;
  employee_code: string;
  /** code (read back), slack_approval; later: directory_factor. */
  method: string;
  /** HMAC-SHA-256 of the id and the code, hex; null until a code was made. */
  code_hash: string | null;
  expires_at: string;
  attempts: number;
  /** pending, passed, used, failed, locked, expired, declined. */
  state: string;
  /** Set when three wrong codes locked verification for this account. */
  locked_until: string | null;
  message_sid: string | null;
  /** slack_approval: the employee's Slack user (only their click counts), and the DM that asks them. */
  employee_slack_id: string | null;
  dm_channel: string | null;
  dm_ts: string | null;
  created_at: string;
  updated_at: string;
}

/** Who opened the App Home, and when last (0012). */
export interface HomeViewersTable {
  user_id: string;
  opened_at: string;
}

export interface Schema {
  home_viewers: HomeViewersTable;
  expiries: ExpiriesTable;
  verifications: VerificationsTable;
  resets: ResetsTable;
  forms: FormsTable;
  submissions: SubmissionsTable;
  rate_limits: RateLimitsTable;
  delivery_events: DeliveryEventsTable;
}
