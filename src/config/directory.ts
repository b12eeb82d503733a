import { z } from 'zod';
import { DIRECTORY_KINDS, type DirectoryKind } from '../ports/index.js';
import { flag, intInRange, type RawEnv } from './env.js';

/**
 * The company directory variables. DIRECTORY picks the adapter; the LDAP_* variables configure both LDAP dialects.
 * The cloud directories will add values to DIRECTORY and variables of their own next to these.
 */
const DIRECTORY_VALUES = ['none', ...DIRECTORY_KINDS] as const;

const attributeName = z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must be an LDAP attribute name, e.g. employeeID');

export const directoryShape = {
  DIRECTORY: z.enum(DIRECTORY_VALUES, `must be one of ${DIRECTORY_VALUES.join(', ')}`).default('none'),
  LDAP_URL: z
    .string()
    .regex(/^ldaps?:\/\/[^/?#\s]+\/?$/i, 'must be ldaps://host[:port] or ldap://host[:port] (nothing after the host)')
    .optional(),
  LDAP_STARTTLS: flag(false),
  LDAP_BIND_DN: z.string().regex(/=/, 'must be a DN, e.g. CN=resetbot,OU=Services,DC=example,DC=com').optional(),
  LDAP_BIND_PASSWORD: z.string().optional(),
  LDAP_BASE_DN: z.string().regex(/=/, 'must be a DN, e.g. OU=People,DC=example,DC=com').optional(),
  LDAP_EMPLOYEE_ATTRIBUTE: attributeName.optional(),
  LDAP_PHONE_ATTRIBUTE: attributeName.default('mobile'),
  LDAP_USER_FILTER: z
    .string()
    .refine(isBalancedFilter, 'must be one LDAP filter in parentheses, e.g. (objectClass=person)')
    .optional(),
  LDAP_CA_FILE: z.string().optional(),
  LDAP_TIMEOUT_MS: intInRange(100, 60_000, 5000),
  LDAP_PROTECTED_GROUPS: z
    .string()
    .transform((v) =>
      v
        .split(';')
        .map((dn) => dn.trim())
        .filter(Boolean),
    )
    .refine((dns) => dns.every((dn) => dn.includes('=')), 'must be group DNs separated by ";"')
    .optional(),
  LDAP_ALLOW_INSECURE: flag(false),
};
type DirectoryEnv = z.infer<z.ZodObject<typeof directoryShape>>;

/** What each dialect assumes when the variable is not set. */
export const DIALECT_DEFAULTS: Readonly<Record<DirectoryKind, { employeeAttribute: string; userFilter: string }>> = {
  ldap: { employeeAttribute: 'employeeNumber', userFilter: '(objectClass=person)' },
  ad: { employeeAttribute: 'employeeID', userFilter: '(&(objectCategory=person)(objectClass=user))' },
};

export interface LdapConfig {
  readonly url: string;
  readonly startTls: boolean;
  readonly bindDn: string;
  readonly bindPassword: string;
  readonly baseDn: string;
  readonly employeeAttribute: string;
  readonly phoneAttribute: string;
  readonly userFilter: string;
  readonly caFile?: string;
  readonly timeoutMs: number;
  readonly protectedGroups: readonly string[];
  /** Plain ldap:// without StartTLS, allowed by LDAP_ALLOW_INSECURE=true (start-up logs a warning). */
  readonly insecure: boolean;
}

export type DirectoryConfig = { readonly kind: 'none' } | { readonly kind: DirectoryKind; readonly ldap: LdapConfig };

/** Rules across the directory variables, on the raw record (so they show up alongside other problems). */
export function directoryRawProblems(env: RawEnv): string[] {
  const kind = env.DIRECTORY ?? 'none';
  if (!(DIRECTORY_KINDS as readonly string[]).includes(kind)) return [];
  const problems = ['LDAP_URL', 'LDAP_BIND_DN', 'LDAP_BIND_PASSWORD', 'LDAP_BASE_DN']
    .filter((name) => !env[name])
    .map((name) => `${name} is required when DIRECTORY=${kind}`);
  const url = env.LDAP_URL?.toLowerCase();
  const startTls = env.LDAP_STARTTLS === 'true';
  if (url?.startsWith('ldaps://') && startTls) {
    problems.push('LDAP_STARTTLS=true cannot be combined with an ldaps:// LDAP_URL (it is already encrypted)');
  }
  if (url?.startsWith('ldap://') && !startTls && env.LDAP_ALLOW_INSECURE !== 'true') {
    problems.push(
      'LDAP_URL is plain ldap:// without LDAP_STARTTLS=true: the bind password and every temporary password would ' +
        'cross the network unencrypted. Use ldaps://, or set LDAP_STARTTLS=true, or LDAP_ALLOW_INSECURE=true (test setups only)',
    );
  }
  // ldapts logs every LDAP message it sends through util.debuglog, modify requests with their password included.
  if (env.NODE_DEBUG && nodeDebugEnables(env.NODE_DEBUG, 'ldapts')) {
    problems.push(
      'NODE_DEBUG includes ldapts: that debug output would print every temporary password the bot sets to stderr; remove it',
    );
  }
  return problems;
}

export function toDirectoryConfig(e: DirectoryEnv): DirectoryConfig {
  if (e.DIRECTORY === 'none') return { kind: 'none' };
  const kind = e.DIRECTORY;
  const url = e.LDAP_URL ?? '';
  return {
    kind,
    ldap: {
      url: url.replace(/\/$/, ''),
      startTls: e.LDAP_STARTTLS,
      bindDn: e.LDAP_BIND_DN ?? '',
      bindPassword: e.LDAP_BIND_PASSWORD ?? '',
      baseDn: e.LDAP_BASE_DN ?? '',
      employeeAttribute: e.LDAP_EMPLOYEE_ATTRIBUTE ?? DIALECT_DEFAULTS[kind].employeeAttribute,
      phoneAttribute: e.LDAP_PHONE_ATTRIBUTE,
      userFilter: e.LDAP_USER_FILTER ?? DIALECT_DEFAULTS[kind].userFilter,
      ...(e.LDAP_CA_FILE ? { caFile: e.LDAP_CA_FILE } : {}),
      timeoutMs: e.LDAP_TIMEOUT_MS,
      protectedGroups: e.LDAP_PROTECTED_GROUPS ?? [],
      insecure: url.toLowerCase().startsWith('ldap://') && !e.LDAP_STARTTLS,
    },
  };
}

/**
 * Whether NODE_DEBUG turns on util.debuglog(section), matched the way Node itself does (lib/internal/util/
 * debuglog.js): comma-separated patterns, each matched whole and case-insensitively, `*` any run of characters,
 * nothing trimmed. `ld*`, `LDAPTS`, `*` and `http,ldapts` all do; ` ldapts` (with the space) does not.
 */
export function nodeDebugEnables(nodeDebug: string, section: string): boolean {
  const pattern = nodeDebug
    .replace(/[|\\{}()[\]^$+?.]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll(',', '$|^');
  return new RegExp(`^${pattern}$`, 'i').test(section);
}

/** One parenthesised filter whose parentheses balance (escaped ones, `\28` `\29`, are not parentheses). */
function isBalancedFilter(filter: string): boolean {
  const f = filter.trim();
  if (!f.startsWith('(') || !f.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '(') depth++;
    else if (f[i] === ')' && --depth === 0 && i !== f.length - 1) return false;
    if (depth < 0) return false;
  }
  return depth === 0;
}
