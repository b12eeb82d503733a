/**
 * The port onto the company directory, where the temporary password is really set. One adapter per protocol
 * (LDAP today, with an OpenLDAP and an Active Directory dialect); the cloud directories add kinds, not methods.
 */

export const DIRECTORY_KINDS = ['ldap', 'ad'] as const;
export type DirectoryKind = (typeof DIRECTORY_KINDS)[number];

/** Why an account may not be reset by the bot, whatever the admin says. */
export type ProtectionReason = 'admin_count' | 'protected_group';

/** One employee's account as the directory holds it. Never carries a password. */
export interface DirectoryAccount {
  /** The stable reference every write uses: the DN on LDAP and AD (an object id in the cloud directories). */
  readonly id: string;
  /** What admins call the account: uid, sAMAccountName, a user principal name. */
  readonly login: string;
  readonly displayName: string;
  readonly employeeCode: string;
  /** The mobile number on record, exactly as stored (parsed and checked by the domain, not here). */
  readonly mobile?: string;
  /** Disabled by an administrator: never re-enabled by a reset. */
  readonly disabled: boolean;
  /** Locked by failed logins: a reset unlocks it. */
  readonly locked: boolean;
  readonly protection?: ProtectionReason;
  /** A forced change at next login would silently not apply (AD's DONT_EXPIRE_PASSWD). */
  readonly passwordNeverExpires: boolean;
}

export type DirectoryLookup =
  | { readonly found: 'one'; readonly account: DirectoryAccount }
  | { readonly found: 'none' }
  | { readonly found: 'many'; readonly count: number };

/** What a successful set leaves behind, to tell later whether the employee has chosen their own password. */
export interface PasswordSetReceipt {
  /**
   * The directory's own marker right after the set (OpenLDAP pwdChangedTime, AD pwdLastSet), kept in the audit.
   * A promise, read after the write while the text goes out (off the path to the employee); '' if unreadable.
   * Opaque outside the adapter that wrote it.
   */
  readonly marker: Promise<string>;
  readonly unlocked: boolean;
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
   * Replaces the password and forces a change at next login in one write, unlocking an account locked by failed
   * logins. Throws an AppError: DIRECTORY_POLICY_REJECTED, DIRECTORY_ACCESS_DENIED, DIRECTORY_WRITE_FAILED, or
   * DIRECTORY_OUTCOME_UNKNOWN when the connection was lost before the answer (the write may have happened).
   */
  setTemporaryPassword(account: DirectoryAccount, password: string): Promise<PasswordSetReceipt>;
  /** Replaces the password with a random one nobody is told, keeping the forced change. */
  scramble(accountId: string): Promise<void>;
  /** Whether the employee has set their own password since the set that left `marker`. */
  passwordChangedSince(accountId: string, marker: string): Promise<boolean>;
  close(): Promise<void>;
}
