import { Attribute, Change, type Client, type Entry } from 'ldapts';
import type { LdapConfig } from '../../config/index.js';
import type { LoginBlock, Protection } from '../../ports/index.js';
import { isServerAnswer } from './connection.js';
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
  const groups = createGroupWalk(config.protectedGroups, config.baseDn);
  return {
    kind: 'ldap',
    label: 'the LDAP directory',
    accountAttributes: ['uid', 'cn', 'displayName', 'x500UniqueIdentifier', ...STATE_ATTRIBUTES],
    bufferAttributes: [],

    async toAccount(client, entry) {
      const now = Date.now();
      const [group, unreadable] = await Promise.all([
        groups.protectedGroupOf(client, entry.dn, values(entry, 'x500UniqueIdentifier')),
        hiddenStateOf(client, entry),
      ]);
      const lock = lockOf(first(entry, 'pwdAccountLockedTime'), now);
      const loginBlocked = validityOf(first(entry, 'pwdStartTime'), first(entry, 'pwdEndTime'), now);
      const protection: Protection | undefined =
        group?.kind === 'member'
          ? { reason: 'protected_group', what: group.group }
          : group?.kind === 'unverifiable'
            ? { reason: 'membership_unverifiable', what: group.why }
            : undefined;
      return {
        ...accountBasics(entry, config, 'uid'),
        disabled: lock === 'permanent',
        locked: lock === 'failed_logins',
        ...(protection ? { protection } : {}),
        ...(loginBlocked ? { loginBlocked } : {}),
        ...(unreadable.length > 0 ? { unreadable } : {}),
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

    validUntilAttribute: 'pwdEndTime',
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
    changeSince(entry, marker) {
      // pwdReset goes away when the employee sets their own password; pwdChangedTime (1 s granularity) confirms it
      // is a change after ours, not an administrator clearing the flag.
      const changedAt = first(entry, 'pwdChangedTime') ?? '';
      const changed = first(entry, 'pwdReset')?.toUpperCase() !== 'TRUE' && changedAt !== '' && changedAt >= marker;
      if (!changed) return { changed: false };
      const time = parseGeneralizedTime(changedAt);
      return time?.kind === 'time' ? { changed: true, at: new Date(time.epochMs) } : { changed: true };
    },
  };
}

/** ppolicy's state, which decides whether the account can log in at all. */
const STATE_ATTRIBUTES = ['pwdAccountLockedTime', 'pwdStartTime', 'pwdEndTime'] as const;

/**
 * ppolicy's state attributes the entry came back without, that are there all the same: hidden from the bot's
 * reads. An attribute the bot may not read is simply left out of a search result, which would read as "not
 * locked"; a compare tells absent (noSuchAttribute) from present (true or false) from forbidden
 * (insufficientAccess), and compare needs less than read.
 */
async function hiddenStateOf(client: Client, entry: Entry): Promise<string[]> {
  const missing = STATE_ATTRIBUTES.filter((a) => values(entry, a).length === 0);
  const hidden = await Promise.all(
    missing.map((attribute) =>
      client.compare(entry.dn, attribute, '19700101000000Z').then(
        () => true, // present, yet not in what the search returned
        (err: unknown) => {
          const code = (err as { code?: unknown }).code;
          // noSuchAttribute: truly absent; undefinedAttributeType: a ppolicy without it (not the overlay of 2.5).
          if (code === 16 || code === 17) return false;
          if (isServerAnswer(err)) return true; // insufficientAccess and anything else: cannot vouch
          throw err;
        },
      ),
    ),
  );
  return missing.filter((_, i) => hidden[i]);
}

/**
 * ppolicy's lock (pwdAccountLockedTime), read as ppolicy reads it: 0000-01-01 or 1970-01-01 (time zero) is an
 * administrator's lock that a reset must not lift; so, here, is any year 0000 however written, a time still to
 * come (ppolicy never writes one: an administrator scheduled it) and a value that is not a time. Any other time is
 * a lock by failed logins, which a reset ends.
 */
export function lockOf(lockedAt: string | undefined, now: number): 'permanent' | 'failed_logins' | undefined {
  if (lockedAt === undefined) return undefined;
  const time = parseGeneralizedTime(lockedAt);
  if (!time || time.kind === 'year_zero' || time.epochMs === 0 || time.epochMs > now) return 'permanent';
  return 'failed_logins';
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
