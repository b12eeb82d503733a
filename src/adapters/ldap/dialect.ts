import { Attribute, Change, type Entry } from 'ldapts';
import type { LdapConfig } from '../../config/index.js';
import type { DirectoryAccount, DirectoryKind, ProtectionReason } from '../../ports/index.js';
import { first, firstOf } from './entry.js';
import { equals, or } from './filter.js';

/**
 * What differs between OpenLDAP (and other RFC directories with ppolicy) and Active Directory: which attributes
 * say what, how a password is written, how a forced change is flagged and later seen to be done.
 */
export interface LdapDialect {
  readonly kind: DirectoryKind;
  readonly label: string;
  /** Attributes the lookup reads, beyond the employee code and phone attributes. */
  readonly accountAttributes: readonly string[];
  toAccount(entry: Entry, config: LdapConfig): DirectoryAccount;
  /**
   * A filter that matches the account's own entry (searched with scope base) when it is in one of the protected
   * groups, or undefined when group membership must be read from the groups (`member` / `uniqueMember`).
   */
  memberOfAnyFilter?(groupDns: readonly string[]): string;
  /** One modify: the new password and the forced change, plus the unlock of an account locked by failed logins. */
  setChanges(password: string, unlock: boolean): Change[];
  /** Attributes read right after a set and later, to tell whether the employee has chosen their own password. */
  readonly markerAttributes: readonly string[];
  markerOf(entry: Entry): string;
  changedSince(entry: Entry, marker: string): boolean;
}

const replace = (type: string, ...values: (string | Buffer)[]) =>
  new Change({ operation: 'replace', modification: new Attribute({ type, values: values as string[] | Buffer[] }) });

/** ppolicy's value for "locked by an administrator": a lock a reset must not lift. */
const PERMANENT_LOCK = '000001010000Z';

export const openLdap: LdapDialect = {
  kind: 'ldap',
  label: 'the LDAP directory',
  accountAttributes: ['uid', 'cn', 'displayName', 'pwdAccountLockedTime'],
  toAccount(entry, config) {
    const lockedAt = first(entry, 'pwdAccountLockedTime');
    const mobile = first(entry, config.phoneAttribute);
    return {
      id: entry.dn,
      login: firstOf(entry, ['uid', 'cn']) ?? entry.dn,
      displayName: firstOf(entry, ['displayName', 'cn']) ?? entry.dn,
      employeeCode: first(entry, config.employeeAttribute) ?? '',
      ...(mobile ? { mobile } : {}),
      disabled: lockedAt === PERMANENT_LOCK,
      locked: lockedAt !== undefined && lockedAt !== PERMANENT_LOCK,
      passwordNeverExpires: false,
    };
  },
  setChanges(password, unlock) {
    // pwdReset must be written in the same modify: a password change by anyone without `manage` on userPassword
    // clears it, and ppolicy only sets it by itself for a password administrator.
    const changes = [replace('userPassword', password), replace('pwdReset', 'TRUE')];
    if (unlock) {
      changes.push(new Change({ operation: 'delete', modification: new Attribute({ type: 'pwdAccountLockedTime' }) }));
    }
    return changes;
  },
  markerAttributes: ['pwdChangedTime', 'pwdReset'],
  markerOf: (entry) => first(entry, 'pwdChangedTime') ?? '',
  changedSince(entry, marker) {
    // pwdReset goes away when the employee sets their own password; pwdChangedTime (1 s granularity) confirms it
    // is a change after ours, not an administrator clearing the flag.
    const changedAt = first(entry, 'pwdChangedTime') ?? '';
    return first(entry, 'pwdReset')?.toUpperCase() !== 'TRUE' && changedAt !== '' && changedAt >= marker;
  },
};

const UF_ACCOUNTDISABLE = 0x2;
const UF_DONT_EXPIRE_PASSWD = 0x10000;
/** LDAP_MATCHING_RULE_IN_CHAIN: membership through nested groups too. */
const IN_CHAIN = '1.2.840.113556.1.4.1941';

export const activeDirectory: LdapDialect = {
  kind: 'ad',
  label: 'Active Directory',
  accountAttributes: ['sAMAccountName', 'cn', 'displayName', 'userAccountControl', 'lockoutTime', 'adminCount'],
  toAccount(entry, config) {
    const uac = Number(first(entry, 'userAccountControl') ?? 0);
    const mobile = first(entry, config.phoneAttribute);
    const adminCount = first(entry, 'adminCount') === '1';
    const protection: ProtectionReason | undefined = adminCount ? 'admin_count' : undefined;
    return {
      id: entry.dn,
      login: firstOf(entry, ['sAMAccountName', 'cn']) ?? entry.dn,
      displayName: firstOf(entry, ['displayName', 'cn']) ?? entry.dn,
      employeeCode: first(entry, config.employeeAttribute) ?? '',
      ...(mobile ? { mobile } : {}),
      disabled: (uac & UF_ACCOUNTDISABLE) !== 0,
      locked: BigInt(first(entry, 'lockoutTime') || '0') > 0n,
      ...(protection ? { protection } : {}),
      passwordNeverExpires: (uac & UF_DONT_EXPIRE_PASSWD) !== 0,
    };
  },
  memberOfAnyFilter: (groupDns) => or(...groupDns.map((dn) => equals(`memberOf:${IN_CHAIN}:`, dn))),
  setChanges(password, unlock) {
    // unicodePwd is the password in double quotes, UTF-16LE; an admin reset is one replace. pwdLastSet=0 is
    // "must change at next logon" and lockoutTime=0 the unlock, all in the same modify.
    const changes = [replace('unicodePwd', Buffer.from(`"${password}"`, 'utf16le')), replace('pwdLastSet', '0')];
    if (unlock) changes.push(replace('lockoutTime', '0'));
    return changes;
  },
  markerAttributes: ['pwdLastSet'],
  markerOf: (entry) => first(entry, 'pwdLastSet') ?? '',
  changedSince(entry, marker) {
    // 0 = still pending; anything else is a FILETIME, written when the employee sets their own password.
    const lastSet = BigInt(first(entry, 'pwdLastSet') || '0');
    return lastSet > 0n && lastSet > BigInt(marker || '0');
  },
};

export const DIALECTS: Readonly<Record<DirectoryKind, LdapDialect>> = { ldap: openLdap, ad: activeDirectory };
