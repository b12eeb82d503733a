/**
 * Typed, coded errors. `details` is for logs and must only ever carry identifiers and provider codes:
 * never a message body, a request config or a raw SDK error (those can contain the password).
 */
export const ErrorCode = {
  NotAdmin: 'NOT_ADMIN',
  AdminCheckFailed: 'ADMIN_CHECK_FAILED',
  TriggerExpired: 'TRIGGER_EXPIRED',
  FormOpenFailed: 'FORM_OPEN_FAILED',
  InvalidMetadata: 'INVALID_METADATA',
  SmsAuthFailed: 'SMS_AUTH_FAILED',
  SmsRateLimited: 'SMS_RATE_LIMITED',
  SmsInvalidNumber: 'SMS_INVALID_NUMBER',
  SmsRegionBlocked: 'SMS_REGION_BLOCKED',
  SmsOptedOut: 'SMS_OPTED_OUT',
  SmsUnroutable: 'SMS_UNROUTABLE',
  SmsNotMobile: 'SMS_NOT_MOBILE',
  SmsBadSender: 'SMS_BAD_SENDER',
  SmsQueueFull: 'SMS_QUEUE_FULL',
  SmsRejected: 'SMS_REJECTED',
  SmsUnreachable: 'SMS_PROVIDER_UNREACHABLE',
  SmsOutcomeUnknown: 'SMS_OUTCOME_UNKNOWN',
  /** A status fetch or redaction after the send failed; never shown as the reset's outcome. */
  SmsFollowUpFailed: 'SMS_FOLLOW_UP_FAILED',
  AuditUnavailable: 'AUDIT_UNAVAILABLE',
  RateLimited: 'RATE_LIMITED',
  RateLimitUnavailable: 'RATE_LIMIT_UNAVAILABLE',
  AlreadySubmitted: 'ALREADY_SUBMITTED',
  /** Asked to look an employee up by something that cannot be an email address: no directory was asked. */
  InvalidEmail: 'INVALID_EMAIL',
  // The company directory (DIRECTORY=ldap|ad|okta). Lookup results that keep the form open:
  EmployeeNotFound: 'EMPLOYEE_NOT_FOUND',
  EmployeeAmbiguous: 'EMPLOYEE_AMBIGUOUS',
  NoMobileOnRecord: 'NO_MOBILE_ON_RECORD',
  /** Several different numbers on record: the bot cannot tell which one is the employee's phone. */
  MobileAmbiguous: 'MOBILE_AMBIGUOUS',
  AccountDisabled: 'ACCOUNT_DISABLED',
  /** Expired, or outside its ppolicy validity window: the password could not be used to log in. */
  AccountCannotLogIn: 'ACCOUNT_CANNOT_LOG_IN',
  AccountProtected: 'ACCOUNT_PROTECTED',
  ServiceAccount: 'SERVICE_ACCOUNT',
  /** The password is mastered elsewhere (Okta's AD agent, a federated provider): setting it here would not hold. */
  PasswordManagedElsewhere: 'PASSWORD_MANAGED_ELSEWHERE',
  PasswordNeverExpires: 'PASSWORD_NEVER_EXPIRES',
  SmartcardRequired: 'SMARTCARD_REQUIRED',
  /** Attributes every account has could not be read: the bot cannot vouch for the account (fail closed). */
  AccountUnreadable: 'ACCOUNT_UNREADABLE',
  /**
   * What the admin confirmed is not what the directory holds now: the code finds another entry (renamed, moved,
   * recreated: `changed: 'entry'`), or the number on record is another one (`changed: 'number'`).
   */
  EmployeeChanged: 'EMPLOYEE_CHANGED',
  /** Could not connect, bind, or get an answer in time: nothing was changed (fail closed). */
  DirectoryUnavailable: 'DIRECTORY_UNAVAILABLE',
  DirectoryPolicyRejected: 'DIRECTORY_POLICY_REJECTED',
  DirectoryAccessDenied: 'DIRECTORY_ACCESS_DENIED',
  DirectoryWriteFailed: 'DIRECTORY_WRITE_FAILED',
  /** The connection was lost before the directory answered a write: it may or may not have happened. */
  DirectoryOutcomeUnknown: 'DIRECTORY_OUTCOME_UNKNOWN',
  /** VERIFY_EMPLOYEE=required and the reset came without a passed verification (a forged or stale submission). */
  VerificationRequired: 'VERIFICATION_REQUIRED',
  /** Three wrong codes locked verification of this employee for VERIFY_LOCK_MINUTES (`until`). */
  VerificationLocked: 'VERIFICATION_LOCKED',
  /** The employee answered "No, I did not" to the approval question in Slack. */
  VerificationDeclined: 'VERIFICATION_DECLINED',
  /** The verification ran out of time, or it was used or ended already. */
  VerificationExpired: 'VERIFICATION_EXPIRED',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export type ErrorDetails = Readonly<Record<string, string | number | boolean | undefined>>;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** Anything thrown that is not an AppError becomes INTERNAL, keeping only its name: its message may hold secrets. */
export function asAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const name = err instanceof Error ? err.name : typeof err;
  return new AppError(ErrorCode.Internal, 'Unexpected error', { errorName: name });
}
