import type { AppError } from '../errors.js';
import type { DirectoryResult } from '../ports/index.js';

/** What the directory step did, for the admin's message and the audit. Absent with DIRECTORY=none. */
export interface DirectoryStepOutcome {
  /** "OpenLDAP", "Active Directory". */
  readonly label: string;
  readonly login: string;
  readonly result: DirectoryResult;
  /** The set also unlocked an account locked by failed logins. */
  readonly unlocked?: boolean;
  /** Why the directory write failed, when it did. */
  readonly error?: AppError;
  /** The directory's marker right after the set (see PasswordSetReceipt). */
  readonly marker?: string;
  /** Sign-in sessions ended right after the set (cloud directories, DIRECTORY_REVOKE_SESSIONS), or why not. */
  readonly sessions?: SessionRevocation;
}

export type SessionRevocation = { readonly revoked: true } | { readonly revoked: false; readonly error: AppError };

interface OutcomeBase {
  readonly employeeName: string;
  readonly maskedPhone: string;
  readonly directory?: DirectoryStepOutcome;
}

export type ResetOutcome =
  | (OutcomeBase & { readonly status: 'sent'; readonly messageSid: string; readonly smsStatus: string })
  /** The caller is not (or can no longer be shown to be) an admin, the account may not be reset, or a store failed. */
  | (OutcomeBase & { readonly status: 'refused'; readonly error: AppError })
  /** The employee code no longer leads to one account with a mobile number. */
  | (OutcomeBase & { readonly status: 'invalid'; readonly error: AppError })
  /** A rate limit was reached; the error's details say which one and when it frees up. */
  | (OutcomeBase & { readonly status: 'rate_limited'; readonly error: AppError })
  /** Nothing usable reached the employee (the text was refused, or the directory write failed). */
  | (OutcomeBase & { readonly status: 'failed'; readonly error: AppError })
  /** The text may or may not have gone out. Never retried: a second text would carry a second password. */
  | (OutcomeBase & { readonly status: 'unknown'; readonly error: AppError })
  /** This submission was already claimed (a double submit, a replay, another replica): nothing was done. */
  | (OutcomeBase & { readonly status: 'duplicate' });

/** Every outcome but a duplicate, which leaves no trace of its own. */
export type RecordedOutcome = Exclude<ResetOutcome, { status: 'duplicate' }>;
