/**
 * Active Directory security identifiers: the binary form LDAP returns (objectSid, tokenGroups) as the `S-1-5-…`
 * text everyone reads, and the well-known privileged ones.
 */

/** `S-<revision>-<authority>-<sub>-…` from the binary SID, or undefined for a malformed value. */
export function sidToString(sid: Buffer): string | undefined {
  if (sid.length < 8) return undefined;
  const count = sid[1] ?? 0;
  if (sid.length !== 8 + 4 * count) return undefined;
  const authority = sid.readUIntBE(2, 6);
  const subs: number[] = [];
  for (let i = 0; i < count; i++) subs.push(sid.readUInt32LE(8 + 4 * i));
  return ['S', sid[0], authority, ...subs].join('-');
}

/** A domain's groups and accounts: `S-1-5-21-<three numbers>-<RID>`. */
const DOMAIN_SID = /^S-1-5-21-\d+-\d+-\d+-(\d+)$/;

/** The RID of a domain SID, or undefined for a built-in or well-known one. */
export function domainRid(sid: string): number | undefined {
  const m = DOMAIN_SID.exec(sid);
  return m ? Number(m[1]) : undefined;
}

/**
 * Groups whose members the bot never resets, by their fixed RIDs. Any domain's: a user of a child domain can be
 * in the forest root's Enterprise Admins (519) or Schema Admins (518). The AdminSDHolder-protected set of Windows
 * Server 2016 and later, plus Protected Users, Group Policy Creator Owners and the Key Admins groups.
 */
export const PRIVILEGED_DOMAIN_GROUPS: ReadonlyMap<number, string> = new Map([
  [498, 'Enterprise Read-only Domain Controllers'],
  [512, 'Domain Admins'],
  [516, 'Domain Controllers'],
  [518, 'Schema Admins'],
  [519, 'Enterprise Admins'],
  [520, 'Group Policy Creator Owners'],
  [521, 'Read-only Domain Controllers'],
  [525, 'Protected Users'],
  [526, 'Key Admins'],
  [527, 'Enterprise Key Admins'],
]);

/** The built-in domain's privileged groups (`S-1-5-32-<RID>`). */
export const PRIVILEGED_BUILTIN_GROUPS: ReadonlyMap<string, string> = new Map([
  ['S-1-5-32-544', 'Administrators'],
  ['S-1-5-32-548', 'Account Operators'],
  ['S-1-5-32-549', 'Server Operators'],
  ['S-1-5-32-550', 'Print Operators'],
  ['S-1-5-32-551', 'Backup Operators'],
  ['S-1-5-32-552', 'Replicator'],
]);

/** The domain's own built-in accounts, protected by AdminSDHolder whatever their groups. */
export const PRIVILEGED_ACCOUNTS: ReadonlyMap<number, string> = new Map([
  [500, 'Administrator'],
  [502, 'krbtgt'],
]);
