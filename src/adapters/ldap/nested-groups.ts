import type { Client } from 'ldapts';
import { values } from './entry.js';
import { and, equals, or } from './filter.js';

/** How far up the walk goes; past that, membership cannot be ruled out and the account counts as protected. */
export const MAX_GROUP_DEPTH = 16;
const MAX_GROUPS_SEEN = 2000;

const GROUP_CLASSES = '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))';

/** DNs compare case-insensitively, and spaces around `,` and `=` are not part of them. */
export function normalizeDn(dn: string): string {
  return dn
    .trim()
    .replace(/\s*([,=+])\s*/g, '$1')
    .toLowerCase();
}

/**
 * Protected-group membership on an RFC directory, where slapd follows nothing by itself (no memberof overlay is
 * assumed): from the account up, one search per level for the groups (groupOfNames / groupOfUniqueNames) that
 * list any DN of the level before, until a protected group turns up or no new group does. Cycles end the walk
 * (each group is visited once); a chain deeper than MAX_GROUP_DEPTH is reported, not ignored.
 */
export function createGroupWalk(protectedGroups: readonly string[]) {
  const wanted = new Map(protectedGroups.map((dn) => [normalizeDn(dn), dn]));
  let bases: Promise<string[]> | undefined;

  /**
   * Where groups are searched: the naming contexts (rootDSE) that hold a protected group, since nested groups may
   * sit anywhere in them; the protected groups' own domain suffixes if the rootDSE cannot be read.
   */
  const searchBases = (client: Client): Promise<string[]> => {
    bases ??= client
      .search('', { scope: 'base', attributes: ['namingContexts'] })
      .then(({ searchEntries }) => (searchEntries[0] ? values(searchEntries[0], 'namingContexts') : []))
      .catch(() => [] as string[])
      .then((contexts) => {
        const holding = contexts.filter((nc) =>
          [...wanted.keys()].some((g) => g === normalizeDn(nc) || g.endsWith(`,${normalizeDn(nc)}`)),
        );
        return holding.length > 0 ? holding : [...new Set(protectedGroups.map(domainSuffix))];
      });
    return bases;
  };

  return {
    /** The protected group the account is in (as configured), directly or nested, or undefined. */
    async protectedGroupOf(client: Client, accountDn: string): Promise<string | undefined> {
      if (wanted.size === 0) return undefined;
      const roots = await searchBases(client);
      const seen = new Set([normalizeDn(accountDn)]);
      let level = [accountDn];
      for (let depth = 0; level.length > 0; depth++) {
        if (depth >= MAX_GROUP_DEPTH || seen.size > MAX_GROUPS_SEEN) {
          return `membership not verifiable: groups nested deeper than ${MAX_GROUP_DEPTH} levels`;
        }
        const filter = and(
          GROUP_CLASSES,
          or(...level.flatMap((dn) => [equals('member', dn), equals('uniqueMember', dn)])),
        );
        const found = await Promise.all(
          roots.map((base) => client.search(base, { scope: 'sub', filter, attributes: ['1.1'] })),
        );
        const next: string[] = [];
        for (const { searchEntries } of found) {
          for (const group of searchEntries) {
            const key = normalizeDn(group.dn);
            const hit = wanted.get(key);
            if (hit) return hit;
            if (!seen.has(key)) {
              seen.add(key);
              next.push(group.dn);
            }
          }
        }
        level = next;
      }
      return undefined;
    },
  };
}

/** `cn=x,ou=groups,dc=example,dc=com` → `dc=example,dc=com`; a DN without dc= parts is its own parent's. */
function domainSuffix(dn: string): string {
  const parts = dn.split(/(?<!\\),/).map((p) => p.trim());
  const dc = parts.findIndex((p) => /^dc=/i.test(p));
  return dc >= 0 ? parts.slice(dc).join(',') : parts.slice(1).join(',');
}
