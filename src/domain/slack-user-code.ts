import type { AppError } from '../errors.js';

/**
 * Why `/resetpw @jane` could not fill the form in. Names and emails come from Slack and the directory, unescaped:
 * whoever words them escapes them.
 */
export type SlackUserProblem =
  | { readonly kind: 'no_directory' }
  | { readonly kind: 'no_user' }
  | { readonly kind: 'no_email'; readonly name: string }
  | { readonly kind: 'missing_scope'; readonly scope: string }
  | { readonly kind: 'slack_unavailable'; readonly reason: string }
  | { readonly kind: 'not_in_directory'; readonly name: string; readonly email: string }
  | { readonly kind: 'many'; readonly name: string; readonly email: string; readonly count: number }
  /** One account, without an employee code to fill in. */
  | { readonly kind: 'no_code'; readonly name: string; readonly email: string }
  /** The directory refused the address (INVALID_EMAIL) or could not answer in time (DIRECTORY_UNAVAILABLE). */
  | { readonly kind: 'directory_error'; readonly error: AppError };

/** The employee code to start the form with, or why there is none. */
export type SlackUserCode =
  | { readonly ok: true; readonly code: string }
  | { readonly ok: false; readonly why: SlackUserProblem };
