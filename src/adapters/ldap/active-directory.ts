import { Attribute, Change, type Client, type Entry } from 'ldapts';
import type { LdapConfig } from '../../config/index.js';
import { AppError, ErrorCode } from '../../errors.js';
import { cachedUntilFailure } from '../../lib/cached.js';
import type { ForcedChangeBlock, Protection } from '../../ports/index.js';
import { isServerAnswer } from './connection.js';
import { accountBasics, type LdapDialect } from './dialect.js';
import { topSuffix } from './dn.js';
import { buffers, first, values } from './entry.js';
import { StartupProblem } from './errors.js';
import { equals, or } from './filter.js';
import {
  domainRid,
  PRIVILEGED_ACCOUNTS,
  PRIVILEGED_BUILTIN_GROUPS,
  PRIVILEGED_DOMAIN_GROUPS,
  sidToString,
} from './sid.js';

const UF_ACCOUNTDISABLE = 0x2;
const UF_DONT_EXPIRE_PASSWD = 0x10000;
const UF_SMARTCARD_REQUIRED = 0x40000;
/** LDAP_MATCHING_RULE_IN_CHAIN: membership through nested groups too (but never the primary group). */
const IN_CHAIN = '1.2.840.113556.1.4.1941';
/** accountExpires values that mean "never". */
const NEVER = new Set(['0', '9223372036854775807']);
/** 100 ns intervals between 1601-01-01 (FILETIME's epoch) and 1970-01-01. */
const FILETIME_UNIX_EPOCH = 116_444_736_000_000_000n;
/** How long the SIDs read from the directory (DnsAdmins, LDAP_PROTECTED_GROUPS) are trusted before reading again. */
const SID_CACHE_MS = 10 * 60_000;

/**
 * Every user has these (the DC writes accountExpires when it creates one), and Authenticated Users may read them
 * by default: when one is missing, the bot was denied reading it, and "not disabled" or "in no privileged group"
 * would only mean "not visible".
 */
const REQUIRED = ['userAccountControl', 'pwdLastSet', 'objectSid', 'accountExpires'] as const;

const replace = (type: string, ...vals: (string | Buffer)[]) =>
  new Change({ operation: 'replace', modification: new Attribute({ type, values: vals as string[] | Buffer[] }) });

/**
 * Active Directory (and Samba AD). Who may never be reset is read from the account's own `tokenGroups`: every
 * security group it is in, nested and primary included, in one base-scope read; `adminCount` alone is set late
 * by Windows, never by Samba, and not at all for Protected Users.
 */
export function createActiveDirectoryDialect(config: LdapConfig): LdapDialect {
  /** SIDs read from the directory: DnsAdmins (no fixed RID) and the configured protected groups. */
  const namedSids = cachedUntilFailure((client: Client) => readNamedSids(client, config), SID_CACHE_MS);

  return {
    kind: 'ad',
    label: 'Active Directory',
    accountAttributes: [
      'sAMAccountName',
      'cn',
      'displayName',
      'userAccountControl',
      'lockoutTime',
      'adminCount',
      'objectSid',
      'primaryGroupID',
      'pwdLastSet',
      'accountExpires',
      'servicePrincipalName',
      'sIDHistory',
    ],
    bufferAttributes: ['objectSid', 'sIDHistory'],

    async toAccount(client, entry) {
      const [groups, named, inConfiguredGroup] = await Promise.all([
        tokenGroups(client, entry.dn),
        namedSids(client),
        inChainOf(client, entry.dn, config.protectedGroups),
      ]);
      const unreadable: string[] = REQUIRED.filter((a) => values(entry, a).length === 0);
      if (groups.length === 0) unreadable.push('tokenGroups');
      const uac = Number(first(entry, 'userAccountControl') ?? 0);
      const protection =
        privileged(entry, groups, named) ??
        (inConfiguredGroup ? { reason: 'protected_group' as const } : undefined) ??
        (values(entry, 'servicePrincipalName').length > 0 ? { reason: 'service_account' as const } : undefined);
      const forcedChangeBlocked: ForcedChangeBlock | undefined =
        uac & UF_DONT_EXPIRE_PASSWD
          ? 'password_never_expires'
          : uac & UF_SMARTCARD_REQUIRED
            ? 'smartcard_required'
            : undefined;
      return {
        ...accountBasics(entry, config, 'sAMAccountName'),
        disabled: (uac & UF_ACCOUNTDISABLE) !== 0,
        locked: BigInt(first(entry, 'lockoutTime') || '0') > 0n,
        ...(protection ? { protection } : {}),
        ...(expired(first(entry, 'accountExpires')) ? { loginBlocked: 'account_expired' as const } : {}),
        ...(forcedChangeBlocked ? { forcedChangeBlocked } : {}),
        ...(unreadable.length > 0 ? { unreadable } : {}),
      };
    },

    async verify(client) {
      try {
        // Not kept for the lookups: a protected group deleted or renamed after start-up must show at the first one.
        await readNamedSids(client, config);
      } catch (err) {
        if (err instanceof AppError && err.details.reason === 'protected_group_unreadable') {
          throw new StartupProblem(
            `LDAP_PROTECTED_GROUPS: the objectSid of ${String(err.details.group)} cannot be read`,
          );
        }
        throw new StartupProblem(
          `LDAP_BASE_DN: the bot could not search the domain for its privileged groups (${String((err as { code?: unknown }).code ?? 'error')})`,
        );
      }
    },

    setChanges(password, unlock) {
      // unicodePwd is the password in double quotes, UTF-16LE; an admin reset is one replace. pwdLastSet=0 is
      // "must change at next logon" and lockoutTime=0 the unlock, all in the same modify.
      const changes = [replace('unicodePwd', Buffer.from(`"${password}"`, 'utf16le')), replace('pwdLastSet', '0')];
      if (unlock) changes.push(replace('lockoutTime', '0'));
      return changes;
    },
    markerAttributes: ['pwdLastSet'],
    markerOf: (entry) => first(entry, 'pwdLastSet') ?? '',
    changeSince(entry, marker) {
      // 0 = still pending; anything else is a FILETIME, written when the employee sets their own password.
      const lastSet = BigInt(first(entry, 'pwdLastSet') || '0');
      if (!(lastSet > 0n && lastSet > BigInt(marker || '0'))) return { changed: false };
      return { changed: true, at: new Date(Number((lastSet - FILETIME_UNIX_EPOCH) / 10_000n)) };
    },
  };
}

/** The first reason, most serious first, that makes the account privileged whatever the configuration says. */
export function privileged(
  entry: Entry,
  tokenGroups: readonly string[],
  named: Map<string, Protection>,
): Protection | undefined {
  // SIDs the account carries from another domain (sIDHistory) log in with their rights too: a privileged one
  // there, as an account or as a group, is as good as being that account or in that group.
  const history = sids(entry, 'sIDHistory');
  for (const sid of [...sids(entry, 'objectSid'), ...history]) {
    const rid = domainRid(sid);
    const account = rid === undefined ? undefined : PRIVILEGED_ACCOUNTS.get(rid);
    if (account) return { reason: 'privileged_account', what: account };
  }
  const groups = [...tokenGroups, ...history];
  // The most specific name first: a member of Domain Admins is also in Administrators (Domain Admins is a member).
  const rids = new Set(groups.map(domainRid).filter((rid) => rid !== undefined));
  for (const [rid, name] of PRIVILEGED_DOMAIN_GROUPS) {
    if (rids.has(rid)) return { reason: 'privileged_group', what: name };
  }
  for (const [sid, name] of PRIVILEGED_BUILTIN_GROUPS) {
    if (groups.includes(sid)) return { reason: 'privileged_group', what: name };
  }
  // tokenGroups already holds the primary group; this catches it even if the two ever disagree.
  const primary = PRIVILEGED_DOMAIN_GROUPS.get(Number(first(entry, 'primaryGroupID')));
  if (primary) return { reason: 'privileged_group', what: primary };
  const dnsAdmins = groups.map((sid) => named.get(sid)).find((p) => p?.reason === 'privileged_group');
  if (dnsAdmins) return dnsAdmins;
  if (first(entry, 'adminCount') === '1') return { reason: 'admin_count' };
  return groups.map((sid) => named.get(sid)).find((p) => p !== undefined);
}

/** Every security group the account is in, transitively, primary group included, as SID strings. */
async function tokenGroups(client: Client, dn: string): Promise<string[]> {
  // tokenGroups is constructed: only a base-scope search returns it.
  const { searchEntries } = await client.search(dn, {
    scope: 'base',
    attributes: ['tokenGroups'],
    explicitBufferAttributes: ['tokenGroups'],
  });
  const [entry] = searchEntries;
  return entry ? sids(entry, 'tokenGroups') : [];
}

/**
 * Membership of any configured group through member/memberOf, nested included: this also covers distribution
 * groups, which tokenGroups (security groups only) leaves out. It cannot say which group; tokenGroups names it when
 * it is a security group.
 */
async function inChainOf(client: Client, dn: string, groupDns: readonly string[]): Promise<boolean> {
  if (groupDns.length === 0) return false;
  const { searchEntries } = await client.search(dn, {
    scope: 'base',
    filter: or(...groupDns.map((g) => equals(`memberOf:${IN_CHAIN}:`, g))),
    attributes: ['1.1'],
  });
  return searchEntries.length > 0;
}

/**
 * SIDs that only the directory can tell: DnsAdmins (created with the DNS role, no fixed RID), found by name in
 * the domain, and the configured protected groups (which the account's tokenGroups then shows, primary included).
 */
async function readNamedSids(client: Client, config: LdapConfig): Promise<Map<string, Protection>> {
  const named = new Map<string, Protection>();
  for (const group of config.protectedGroups) {
    const entry = await client
      .search(group, { scope: 'base', attributes: ['objectSid'], explicitBufferAttributes: ['objectSid'] })
      .then((r) => r.searchEntries[0])
      .catch((err: unknown) => {
        if (isServerAnswer(err)) return undefined; // gone or hidden
        throw err;
      });
    const [sid] = entry ? sids(entry, 'objectSid') : [];
    if (!sid) {
      // Deleted, renamed or hidden since start-up: no account can be vouched for until it is fixed.
      throw new AppError(ErrorCode.DirectoryUnavailable, 'A protected group cannot be read', {
        reason: 'protected_group_unreadable',
        group,
      });
    }
    named.set(sid, { reason: 'protected_group', what: group });
  }
  const domain = await defaultNamingContext(client, config.baseDn);
  const { searchEntries } = await client.search(domain, {
    scope: 'sub',
    filter: '(&(objectCategory=group)(sAMAccountName=DnsAdmins))',
    attributes: ['objectSid'],
    explicitBufferAttributes: ['objectSid'],
    sizeLimit: 2,
  });
  for (const e of searchEntries) {
    for (const sid of sids(e, 'objectSid')) named.set(sid, { reason: 'privileged_group', what: 'DnsAdmins' });
  }
  return named;
}

async function defaultNamingContext(client: Client, baseDn: string): Promise<string> {
  const { searchEntries } = await client.search('', { scope: 'base', attributes: ['defaultNamingContext'] });
  const fromRoot = searchEntries[0] ? first(searchEntries[0], 'defaultNamingContext') : undefined;
  return fromRoot ?? topSuffix(baseDn);
}

/** accountExpires: a FILETIME; 0, negative values (Samba lets those log in) and the largest 64-bit value mean never. */
function expired(value: string | undefined): boolean {
  if (value === undefined || NEVER.has(value.trim())) return false;
  let at: bigint;
  try {
    at = BigInt(value.trim());
  } catch {
    return true;
  }
  const now = BigInt(Date.now()) * 10_000n + FILETIME_UNIX_EPOCH;
  return at > 0n && at <= now;
}

/** The SIDs in a binary attribute (objectSid, sIDHistory, tokenGroups), as text; malformed values left out. */
function sids(entry: Entry, attribute: string): string[] {
  return buffers(entry, attribute).flatMap((b) => sidToString(b) ?? []);
}
