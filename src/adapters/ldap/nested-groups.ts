import type { Client } from 'ldapts';
import { AppError, ErrorCode } from '../../errors.js';
import { cachedUntilFailure } from '../../lib/cached.js';
import { isServerAnswer } from './connection.js';
import { normalizeDn, topSuffix } from './dn.js';
import { values } from './entry.js';
import { equals, or } from './filter.js';

/** How far up the walk goes; past that, membership cannot be ruled out and the account counts as protected. */
export const MAX_GROUP_DEPTH = 16;
const MAX_GROUPS_SEEN = 2000;

/** What the walk found: a protected group the account is in, or a reason it cannot tell (counted as protected). */
export type GroupFinding =
  | { readonly kind: 'member'; readonly group: string }
  | { readonly kind: 'unverifiable'; readonly why: string }
  | undefined;

/**
 * Protected-group membership on an RFC directory, where slapd follows nothing by itself (no memberof overlay is
 * assumed): from the account up, one search per level for the entries that list any DN of the level before in
 * `member` or `uniqueMember` (whatever their object class), until a protected group turns up or no new group
 * does. The server matches DNs (so `uid=Jane, ou=People` in a group finds `uid=jane,ou=people`); the protected
 * groups are compared in the spelling the server itself returns for them, read from the server, so that
 * `commonName=…` or `cn=ops\20admins` in LDAP_PROTECTED_GROUPS still names the group. Cycles end the walk (each
 * group is visited once); a chain deeper than MAX_GROUP_DEPTH, or more groups than one search returns, cannot be
 * ruled out and is reported, never taken for "not a member".
 */
export function createGroupWalk(protectedGroups: readonly string[], baseDn: string) {
  /** The naming contexts: kept once read (they change with the server's configuration), a failure is not. */
  const searchBases = cachedUntilFailure((client: Client) => namingContexts(client, protectedGroups, baseDn));

  return {
    /** The protected group the account is in (as configured), directly or nested; or why that cannot be told. */
    async protectedGroupOf(client: Client, accountDn: string, uniqueIds: readonly string[]): Promise<GroupFinding> {
      if (protectedGroups.length === 0) return undefined;
      // Read on every lookup, like the membership itself: a group renamed since must not slip through a cache.
      const [wanted, bases] = await Promise.all([serverSpellings(client, protectedGroups), searchBases(client)]);
      const seen = new Set([normalizeDn(accountDn)]);
      // groupOfUniqueNames may list the account as `dn#'0101'B`, its x500UniqueIdentifier, which only that exact
      // value matches.
      let terms = [accountDn, ...uniqueIds.map((id) => `${accountDn}#${id}`)].flatMap((dn, i) =>
        i === 0 ? [equals('member', dn), equals('uniqueMember', dn)] : [equals('uniqueMember', dn)],
      );
      for (let depth = 0; terms.length > 0; depth++) {
        if (depth >= MAX_GROUP_DEPTH || seen.size > MAX_GROUPS_SEEN) {
          return { kind: 'unverifiable', why: `groups nested more than ${MAX_GROUP_DEPTH} levels deep` };
        }
        const filter = or(...terms);
        let found: { searchEntries: { dn: string }[] }[];
        try {
          found = await Promise.all(
            // No client size limit: ldapts hands back a list cut at the client's limit as if it were whole. The
            // server's own limit (slapd: 500 by default) ends in sizeLimitExceeded, which is an answer.
            bases.map((base) => client.search(base, { scope: 'sub', filter, attributes: ['1.1'] })),
          );
        } catch (err) {
          // sizeLimitExceeded: more groups at one level than the directory returns to the bot in one answer.
          if ((err as { code?: unknown }).code === 4) {
            return { kind: 'unverifiable', why: 'more groups at one level than the directory returns in one search' };
          }
          throw err;
        }
        const next: string[] = [];
        for (const { searchEntries } of found) {
          for (const group of searchEntries) {
            const key = normalizeDn(group.dn);
            const hit = wanted.get(key);
            if (hit) return { kind: 'member', group: hit };
            if (!seen.has(key)) {
              seen.add(key);
              next.push(group.dn);
            }
          }
        }
        terms = next.flatMap((dn) => [equals('member', dn), equals('uniqueMember', dn)]);
      }
      return undefined;
    },
  };
}

/** The protected groups as the server spells their DNs (a base read of each), keyed for comparison. */
async function serverSpellings(client: Client, protectedGroups: readonly string[]): Promise<Map<string, string>> {
  const entries = await Promise.all(
    protectedGroups.map((group) =>
      client
        .search(group, { scope: 'base', attributes: ['1.1'] })
        .then((r) => r.searchEntries[0])
        .catch((err: unknown) => {
          if (isServerAnswer(err)) return undefined; // gone or hidden
          throw err;
        })
        .then((entry) => {
          // No lookup can rule out membership of a group it cannot find, until LDAP_PROTECTED_GROUPS is fixed.
          if (!entry) {
            throw new AppError(ErrorCode.DirectoryUnavailable, 'A protected group cannot be read', {
              reason: 'protected_group_unreadable',
              group,
            });
          }
          return [normalizeDn(entry.dn), group] as const;
        }),
    ),
  );
  return new Map(entries);
}

/**
 * Where groups are searched: every naming context the rootDSE lists, since a nested group may sit anywhere; if the
 * rootDSE lists none to the bot, the domain (dc=) or top suffixes of the protected groups and of LDAP_BASE_DN.
 */
async function namingContexts(client: Client, protectedGroups: readonly string[], baseDn: string): Promise<string[]> {
  const listed = await client
    .search('', { scope: 'base', attributes: ['namingContexts'] })
    .then((r) => (r.searchEntries[0] ? values(r.searchEntries[0], 'namingContexts') : []))
    .catch((err: unknown) => {
      // A rootDSE the bot may not read is an answer (use the suffixes); a connection that fails is not.
      if (isServerAnswer(err)) return [] as string[];
      throw err;
    });
  return listed.length > 0 ? listed : [...new Set([...protectedGroups, baseDn].map(topSuffix))];
}
