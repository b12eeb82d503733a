import type { Change, Client, Entry } from 'ldapts';
import type { LdapConfig } from '../../config/index.js';
import { emailAsHeld } from '../../domain/email.js';
import type { DirectoryAccount, DirectoryKind, PasswordChange } from '../../ports/index.js';
import { first, firstOf, values } from './entry.js';

/** Where both OpenLDAP (inetOrgPerson) and Active Directory keep the employee's email. */
export const EMAIL_ATTRIBUTE = 'mail';

/**
 * What differs between OpenLDAP (and other RFC directories with ppolicy) and Active Directory: which attributes
 * say what, who must never be reset and how that is read, how a password is written, how a forced change is
 * flagged and later seen to be done.
 */
export interface LdapDialect {
  readonly kind: DirectoryKind;
  readonly label: string;
  /** Attributes the lookup reads, beyond the employee code and phone attributes. */
  readonly accountAttributes: readonly string[];
  /** Those of them that are binary (AD's objectSid). */
  readonly bufferAttributes: readonly string[];
  /**
   * The account the lookup found, with what the entry alone cannot tell (group membership, read with further
   * searches on the same connection). Anything it cannot establish counts against the account: fail closed.
   */
  toAccount(client: Client, entry: Entry): Promise<DirectoryAccount>;
  /** Start-up checks of the dialect's own; throws a StartupProblem naming the variable to fix. */
  verify(client: Client): Promise<void>;
  /**
   * The attribute that ends a password's validity on the server itself (ppolicy's pwdEndTime), written in the same
   * modify as the password when a set asks for one; absent where there is none (AD).
   */
  readonly validUntilAttribute?: string;
  /** One modify: the new password and the forced change, plus the unlock of an account locked by failed logins. */
  setChanges(password: string, unlock: boolean): Change[];
  /** Attributes read right after a set and later, to tell whether the employee has chosen their own password. */
  readonly markerAttributes: readonly string[];
  markerOf(entry: Entry): string;
  /** The employee's own change since the marker, with the directory's time of it. */
  changeSince(entry: Entry, marker: string): PasswordChange;
}

/** What every dialect reads the same way: the DN, names, the code, the email and every number on record. */
export function accountBasics(
  entry: Entry,
  config: LdapConfig,
  loginAttribute: string,
): Pick<DirectoryAccount, 'id' | 'login' | 'displayName' | 'employeeCode' | 'email' | 'mobiles'> {
  // inetOrgPerson's mail may hold several values: the first is the one shown as the employee's.
  const email = emailAsHeld(values(entry, EMAIL_ATTRIBUTE).find((v) => v.trim() !== ''));
  return {
    id: entry.dn,
    login: firstOf(entry, [loginAttribute, 'cn']) ?? entry.dn,
    displayName: firstOf(entry, ['displayName', 'cn']) ?? entry.dn,
    employeeCode: first(entry, config.employeeAttribute) ?? '',
    ...(email ? { email } : {}),
    mobiles: values(entry, config.phoneAttribute),
  };
}
