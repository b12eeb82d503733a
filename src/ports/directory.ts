/**
 * The port onto the company directory, where the temporary password is really set. One adapter per protocol: LDAP
 * (with an OpenLDAP and an Active Directory dialect) and each cloud directory's API; they add kinds, not flows.
 */

export const DIRECTORY_KINDS = ['ldap', 'ad', 'okta', 'entra', 'google'] as const;
export type DirectoryKind = (typeof DIRECTORY_KINDS)[number];

/**
 * Why an account may not be reset by the bot, whatever the admin says or configures:
 * - `privileged_account`: a built-in account of the directory itself (AD's Administrator, krbtgt);
 * - `privileged_group`: a member of a built-in privileged group (AD's well-known administrator and operator
 *   groups, Protected Users, DnsAdmins), directly, through nested groups or as its primary group;
 * - `admin_count`: AD's `adminCount=1` (Windows marks accounts that are or were in a protected group);
 * - `protected_group`: a member of a group the bot owner listed (LDAP_PROTECTED_GROUPS), directly or nested;
 * - `membership_unverifiable`: membership of such a group could not be ruled out (groups nested too deep, too
 *   many to follow): counted as protected;
 * - `service_account`: the password belongs to a service (AD `servicePrincipalName`), not to a person;
 * - `admin_role`: the account holds an administrator role of the directory itself (Okta admin roles, Entra
 *   directory roles; assigned to the user or through a group), or its roles could not be read (then `what` says so).
 */
export type ProtectionReason =
  | 'admin_role'
  | 'privileged_account'
  | 'privileged_group'
  | 'admin_count'
  | 'protected_group'
  | 'membership_unverifiable'
  | 'service_account';

export interface Protection {
  readonly reason: ProtectionReason;
  /** What makes it so, as admins know it: "Domain Admins", a configured group's DN, "Administrator", or why not verifiable. */
  readonly what?: string;
}

/** Why the account cannot log in whatever its password, so a reset would text a password that does not work. */
export type LoginBlock =
  /** AD `accountExpires` is in the past. */
  | 'account_expired'
  /** ppolicy `pwdStartTime` is in the future. */
  | 'not_yet_valid'
  /** ppolicy `pwdEndTime` is in the past. */
  | 'validity_ended'
  /** Created but never activated (Okta STAGED or PROVISIONED): there is no sign-in to give a password to. */
  | 'not_activated';

/** Why a forced change at next login would silently not apply to this account. */
export type ForcedChangeBlock = 'password_never_expires' | 'smartcard_required';

/** One employee's account as the directory holds it. Never carries a password. */
export interface DirectoryAccount {
  /** The stable reference every write uses: the DN on LDAP and AD (an object id in the cloud directories). */
  readonly id: string;
  /** What admins call the account: uid, sAMAccountName, a user principal name. */
  readonly login: string;
  readonly displayName: string;
  readonly employeeCode: string;
  /**
   * The employee's email as the directory holds it (LDAP and AD `mail`, Okta `profile.email`, Entra `mail`, Google
   * `primaryEmail`), trimmed; absent when there is none. An ordinary attribute: its absence is not "unreadable".
   */
  readonly email?: string;
  /** Every mobile number on record, exactly as stored (parsed and checked by the domain, not here). */
  readonly mobiles: readonly string[];
  /** Disabled by an administrator (any form of it): never re-enabled by a reset. */
  readonly disabled: boolean;
  /** Locked by failed logins: a reset unlocks it. */
  readonly locked: boolean;
  readonly protection?: Protection;
  readonly loginBlocked?: LoginBlock;
  readonly forcedChangeBlocked?: ForcedChangeBlock;
  /**
   * The password is mastered by another system the directory delegates to (Okta's AD or LDAP agent, a federated
   * identity provider): a password set here would be overwritten or never used. Names that system as admins know it.
   */
  readonly passwordManagedBy?: string;
  /**
   * Attributes every account has (so their absence means the bot may not read them) that could not be read. Then
   * nothing else said here can be trusted ("not disabled" may only mean "not visible"): the account is refused.
   */
  readonly unreadable?: readonly string[];
}

export type DirectoryLookup =
  | { readonly found: 'one'; readonly account: DirectoryAccount }
  | { readonly found: 'none' }
  | { readonly found: 'many'; readonly count: number };

/**
 * Whether the employee has set their own password since the bot's set, and, where the directory keeps one, its own
 * time of that change (OpenLDAP pwdChangedTime, AD pwdLastSet, Okta passwordChanged, Entra
 * lastPasswordChangeDateTime; Google keeps none).
 */
export type PasswordChange = { readonly changed: false } | { readonly changed: true; readonly at?: Date };

/** What a successful set leaves behind, to tell later whether the employee has chosen their own password. */
export interface PasswordSetReceipt {
  /**
   * The directory's own marker right after the set (OpenLDAP pwdChangedTime, AD pwdLastSet), kept in the audit.
   * A promise, read after the write while the text goes out (off the path to the employee); '' if unreadable.
   * Opaque outside the adapter that wrote it.
   */
  readonly marker: Promise<string>;
  readonly unlocked: boolean;
  /**
   * The end of validity the directory itself now enforces on the password, exactly as written (OpenLDAP ppolicy's
   * pwdEndTime, a GeneralizedTime); hand it back to clearValidUntil. Absent when none was set: the directory has
   * no such limit (AD, the cloud directories), none was asked for, or the account already had an end date of its
   * own owner's, which the bot never touches.
   */
  readonly validUntil?: string;
}

export interface SetPasswordOptions {
  /**
   * Asks the directory itself to refuse the password after this time, where it can (OpenLDAP ppolicy), in the
   * same write: the temporary password then ends even if the bot is not running. Ignored elsewhere.
   */
  readonly validUntil?: Date;
  /**
   * The end of validity an earlier reset of the bot's wrote on this account (a receipt's validUntil), which may be
   * replaced: any other value is its owner's and is left alone.
   */
  readonly replaces?: string;
}

/**
 * What became of a push to the employee's own enrolled factor:
 * - `approved`: the employee approved it on the device;
 * - `rejected`: the employee refused it ("it was not me"): a possible impersonation;
 * - `timed_out`: no answer within the time given, or the directory's own expiry of the push;
 * - `no_factor`: the account has no active factor the directory can push to (nothing was sent).
 */
export interface FactorOutcome {
  readonly result: 'approved' | 'rejected' | 'timed_out' | 'no_factor';
  /**
   * The factor pushed to, as admins can recognise it ("Okta Verify on Jane's iPhone"); absent with `no_factor`. The
   * device name is the employee's own choice: plain text, to be escaped wherever it is shown.
   */
  readonly factor?: string;
}

export interface FactorPushOptions {
  /** How long to wait for the employee's answer, from the call; past it the result is `timed_out`. */
  readonly timeoutMs: number;
  /** Stops the wait (the admin gave up, the form closed): the promise then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface Directory {
  readonly kind: DirectoryKind;
  /** How admins know it, in messages: "OpenLDAP", "Active Directory". */
  readonly label: string;
  /** Connects and binds once (start-up); throws an Error whose message names the variable to fix. */
  verify(): Promise<void>;
  /** Throws AppError DIRECTORY_UNAVAILABLE when the directory cannot answer. */
  findByEmployeeCode(code: string): Promise<DirectoryLookup>;
  /**
   * The account(s) whose email is `email`, exactly but without regard to case, read the same way as by code (the
   * same protection, lock and unreadable checks): either way gives the same DirectoryAccount. Throws AppError
   * INVALID_EMAIL, before the directory is asked, for what cannot be an address (see src/domain/email.ts), and
   * DIRECTORY_UNAVAILABLE when the directory cannot answer.
   */
  findByEmail(email: string): Promise<DirectoryLookup>;
  /**
   * Replaces the password and forces a change at next login in one write, unlocking an account locked by failed
   * logins. Throws an AppError: DIRECTORY_POLICY_REJECTED, DIRECTORY_ACCESS_DENIED, DIRECTORY_WRITE_FAILED, or
   * DIRECTORY_OUTCOME_UNKNOWN when the connection was lost before the answer (the write may have happened).
   */
  setTemporaryPassword(
    account: DirectoryAccount,
    password: string,
    options?: SetPasswordOptions,
  ): Promise<PasswordSetReceipt>;
  /** Replaces the password with a random one nobody is told, keeping the forced change. */
  scramble(accountId: string): Promise<void>;
  /** Whether the employee has set their own password since the set that left `marker`, and when, if known. */
  passwordChangedSince(accountId: string, marker: string): Promise<PasswordChange>;
  /**
   * Where the directory has sign-in sessions (the cloud directories): ends every one of the account's sessions, so
   * whoever held the old password is signed out. Throws an AppError as the writes do. Absent for LDAP and AD.
   */
  revokeSessions?(accountId: string): Promise<void>;
  /**
   * Where a set can carry a native end of validity (OpenLDAP): removes exactly the value a receipt's validUntil
   * named. It outlives the employee's own change and would then end their new password too, so it must go once the
   * change is seen (and before the account is reset again, since a passed one refuses the lookup). A different value
   * found there (written by someone else since) is left alone, and an absent one is done. Throws an AppError as the
   * writes do. Absent where the directory has no such limit.
   */
  clearValidUntil?(accountId: string, value: string): Promise<void>;
  /**
   * Where the directory has a factor of its own that it can push to (Okta Verify): asks the employee, on a device
   * they enrolled, to approve, and waits for the answer. It proves possession of that device, not of a phone number:
   * an attacker who moved the number to their own SIM gets no push. Changes nothing on the account. Throws an
   * AppError with `details.operation: 'factor_push'`: DIRECTORY_ACCESS_DENIED (the bot may not list or push to the
   * factors), DIRECTORY_UNAVAILABLE (no answer, a rate limit), EMPLOYEE_CHANGED (the account or factor went away).
   * Absent where the directory has no such factor (LDAP, AD, Entra, Google here).
   */
  pushToEnrolledFactor?(accountId: string, options: FactorPushOptions): Promise<FactorOutcome>;
  close(): Promise<void>;
}
