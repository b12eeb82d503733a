import { Attribute, Change } from 'ldapts';
import type { LdapConfig } from '../../config/index.js';
import type { LoginBlock } from '../../ports/index.js';
import { accountBasics, type LdapDialect } from './dialect.js';
import { first, values } from './entry.js';
import { StartupProblem } from './errors.js';
import { parseGeneralizedTime } from './generalized-time.js';
import { createGroupWalk } from './nested-groups.js';

const replace = (type: string, ...vals: string[]) =>
  new Change({ operation: 'replace', modification: new Attribute({ type, values: vals }) });

/**
 * OpenLDAP with the ppolicy overlay (and other RFC directories that follow it). ppolicy's operational attributes
 * are only returned when named, so the lookup names each one it judges by.
 */
export function createOpenLdapDialect(config: LdapConfig): LdapDialect {
  const groups = createGroupWalk(config.protectedGroups);
  return {
    kind: 'ldap',
    label: 'the LDAP directory',
    accountAttributes: ['uid', 'cn', 'displayName', 'pwdAccountLockedTime', 'pwdStartTime', 'pwdEndTime'],
    bufferAttributes: [],

    async toAccount(client, entry) {
      const lock = lockOf(first(entry, 'pwdAccountLockedTime'));
      const loginBlocked = validityOf(first(entry, 'pwdStartTime'), first(entry, 'pwdEndTime'), Date.now());
      const group = await groups.protectedGroupOf(client, entry.dn);
      return {
        ...accountBasics(entry, config, 'uid'),
        disabled: lock === 'permanent',
        locked: lock === 'failed_logins',
        ...(group ? { protection: { reason: 'protected_group' as const, what: group } } : {}),
        ...(loginBlocked ? { loginBlocked } : {}),
      };
    },

    async verify(client) {
      // Membership is read from member / uniqueMember: a group whose members the bot cannot see (or of another
      // kind, such as posixGroup's memberUid) would protect nobody.
      for (const group of config.protectedGroups) {
        const { searchEntries } = await client.search(group, { scope: 'base', attributes: ['member', 'uniqueMember'] });
        const [entry] = searchEntries;
        if (!entry || (values(entry, 'member').length === 0 && values(entry, 'uniqueMember').length === 0)) {
          throw new StartupProblem(
            `LDAP_PROTECTED_GROUPS: the members of ${group} cannot be read (the bot needs read on member or uniqueMember; groupOfNames and groupOfUniqueNames are supported)`,
          );
        }
      }
    },

    setChanges(password, unlock) {
      // pwdReset must be written in the same modify: a password change by anyone without `manage` on userPassword
      // clears it, and ppolicy only sets it by itself for a password administrator.
      const changes = [replace('userPassword', password), replace('pwdReset', 'TRUE')];
      if (unlock) {
        changes.push(
          new Change({ operation: 'delete', modification: new Attribute({ type: 'pwdAccountLockedTime' }) }),
        );
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
}

/**
 * ppolicy's lock: year 0000, however written, is an administrator's lock that a reset must not lift; any other
 * time is a lock by failed logins that a reset ends. A value that is not a time is taken as the administrator's.
 */
export function lockOf(lockedAt: string | undefined): 'permanent' | 'failed_logins' | undefined {
  if (lockedAt === undefined) return undefined;
  const time = parseGeneralizedTime(lockedAt);
  return !time || time.kind === 'year_zero' ? 'permanent' : 'failed_logins';
}

/** ppolicy's validity window: outside it every bind fails, whatever the password. Unreadable times count as outside. */
export function validityOf(start: string | undefined, end: string | undefined, now: number): LoginBlock | undefined {
  if (end !== undefined) {
    const t = parseGeneralizedTime(end);
    if (!t || t.kind === 'year_zero' || t.epochMs <= now) return 'validity_ended';
  }
  if (start !== undefined) {
    const t = parseGeneralizedTime(start);
    if (!t || (t.kind === 'time' && t.epochMs > now)) return 'not_yet_valid';
  }
  return undefined;
}
