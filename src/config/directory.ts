import { z } from 'zod';
import { DIRECTORY_KINDS } from '../ports/index.js';
import { flag, intInRange, type RawEnv } from './env.js';

/**
 * The company directory variables. DIRECTORY picks the adapter; the LDAP_* variables configure both LDAP dialects,
 * the OKTA_* ones Okta's; DIRECTORY_* apply to every cloud directory.
 */
const DIRECTORY_VALUES = ['none', ...DIRECTORY_KINDS] as const;
const LDAP_KINDS: readonly string[] = ['ldap', 'ad'];

/**
 * A cloud directory's base URL: https only, except on a loopback host (how the tests reach their local servers),
 * since the API token and every temporary password travel over it.
 */
const providerUrl = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(u.hostname);
      const plain = !u.search && !u.hash && !u.username && !u.password; // no credentials in a URL that gets logged
      return (u.protocol === 'https:' || (u.protocol === 'http:' && loopback)) && plain;
    } catch {
      return false;
    }
  }, 'must be an https:// URL (plain http only on a loopback host; no user, password, query or fragment), e.g. https://example.okta.com')
  .transform((v) => v.replace(/\/+$/, ''));

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
  OKTA_ORG_URL: providerUrl.optional(),
  OKTA_API_TOKEN: z.string().optional(),
  OKTA_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "must be the service app's client ID, e.g. 0oa1b2c3d4E5F6g7h8i9")
    .optional(),
  OKTA_PRIVATE_KEY_FILE: z.string().optional(),
  OKTA_KEY_ID: z.string().optional(),
  ENTRA_TENANT_ID: z
    .string()
    .regex(
      /^[0-9a-fA-F-]{36}$|^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/,
      'must be the tenant ID (a GUID) or its domain, e.g. example.onmicrosoft.com',
    )
    .optional(),
  ENTRA_CLIENT_ID: z
    .string()
    .regex(/^[0-9a-fA-F-]{36}$/, "must be the app registration's client ID (a GUID)")
    .optional(),
  ENTRA_CLIENT_SECRET: z.string().optional(),
  ENTRA_CLIENT_CERTIFICATE_FILE: z.string().optional(),
  ENTRA_AUTHORITY_HOST: providerUrl.optional(),
  ENTRA_GRAPH_URL: providerUrl.optional(),
  GOOGLE_SERVICE_ACCOUNT_FILE: z.string().optional(),
  GOOGLE_ADMIN_SUBJECT: z
    .string()
    .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be the email of a Google Workspace admin')
    .optional(),
  GOOGLE_EMPLOYEE_ID_FIELD: z
    .string()
    .regex(
      /^externalId$|^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*$/,
      'must be externalId or a custom schema field, e.g. EmployeeInfo.EmployeeNumber',
    )
    .default('externalId'),
  GOOGLE_API_URL: providerUrl.optional(),
  GOOGLE_TOKEN_URL: providerUrl.optional(),
  DIRECTORY_REVOKE_SESSIONS: flag(true),
  DIRECTORY_TIMEOUT_MS: intInRange(500, 60_000, 10_000),
};
type DirectoryEnv = z.infer<z.ZodObject<typeof directoryShape>>;

/** What each dialect assumes when the variable is not set. */
export const DIALECT_DEFAULTS: Readonly<Record<'ldap' | 'ad', { employeeAttribute: string; userFilter: string }>> = {
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

/**
 * How the bot signs in to Okta: an API token (SSWS), acting with its creator's admin roles; or an OAuth service app
 * with a private key (private_key_jwt), acting with the scopes granted to it and the admin role assigned to it.
 */
export type OktaAuth =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'privateKey'; readonly clientId: string; readonly keyFile: string; readonly keyId?: string };

/** The scopes the service app asks for: read users and their roles, manage their credentials and lifecycle. */
export const OKTA_SCOPES = ['okta.users.read', 'okta.users.manage', 'okta.roles.read'] as const;

export interface OktaConfig {
  readonly orgUrl: string;
  readonly auth: OktaAuth;
  /** Each API request's limit, rate-limit waits included; past it a write's outcome is unknown. */
  readonly timeoutMs: number;
}

export interface EntraConfig {
  readonly tenantId: string;
  readonly clientId: string;
  /** A client secret, or the file with the app's certificate and private key (PEM). */
  readonly credential:
    | { readonly kind: 'secret'; readonly secret: string }
    | { readonly kind: 'certificate'; readonly file: string };
  /** Where tokens come from: https://login.microsoftonline.com unless a national cloud (or a test) says otherwise. */
  readonly authorityHost: string;
  /** Microsoft Graph: https://graph.microsoft.com unless a national cloud (or a test) says otherwise. */
  readonly graphUrl: string;
  readonly timeoutMs: number;
}

export interface GoogleConfig {
  /** The service account's JSON key (client_email, private_key), with domain-wide delegation. */
  readonly keyFile: string;
  /** The Workspace admin the service account acts as. */
  readonly subject: string;
  /** `externalId`, or `Schema.Field` of a custom schema. */
  readonly employeeIdField: string;
  readonly apiUrl: string;
  readonly tokenUrl: string;
  readonly timeoutMs: number;
}

/** What every cloud directory shares. */
export interface CloudOptions {
  /** Sign the employee out of every session right after the password is set (DIRECTORY_REVOKE_SESSIONS). */
  readonly revokeSessions: boolean;
}

export type DirectoryConfig =
  | { readonly kind: 'none' }
  | { readonly kind: 'ldap' | 'ad'; readonly ldap: LdapConfig }
  | { readonly kind: 'okta'; readonly okta: OktaConfig; readonly cloud: CloudOptions }
  | { readonly kind: 'entra'; readonly entra: EntraConfig; readonly cloud: CloudOptions }
  | { readonly kind: 'google'; readonly google: GoogleConfig; readonly cloud: CloudOptions };

/** Where the bot reaches the directory and as whom, for logs and doctor (never a secret). */
export function directoryEndpoint(config: Exclude<DirectoryConfig, { kind: 'none' }>): {
  url: string;
  identity: string;
} {
  if (config.kind === 'google') {
    return {
      url: config.google.apiUrl,
      identity: `the service account in ${config.google.keyFile}, acting as ${config.google.subject}`,
    };
  }
  if (config.kind === 'entra') {
    return {
      url: config.entra.graphUrl,
      identity: `the app ${config.entra.clientId} in tenant ${config.entra.tenantId}`,
    };
  }
  if (config.kind !== 'okta') return { url: config.ldap.url, identity: config.ldap.bindDn };
  const { auth } = config.okta;
  return {
    url: config.okta.orgUrl,
    identity: auth.kind === 'token' ? 'the OKTA_API_TOKEN' : `the service app ${auth.clientId}`,
  };
}

/**
 * The longest the directory part of one reset can take: each request up to its time limit, counted along the
 * slowest path (LDAP: the modify, the marker read, a scramble; Okta: a token, unlock, set, expire, then a scramble's
 * set and expire; Entra and Google: a token and the write, then a scramble's). A `sending` row older than this (plus
 * the send) belongs to a process that died.
 */
export function directoryWorstCaseMs(config: DirectoryConfig): number {
  const requests = { none: 0, ldap: 3, ad: 3, okta: 8, entra: 6, google: 6 }[config.kind];
  return requests * directoryTimeoutMs(config);
}

/** How long one directory request may take, for the time budgets built on it. */
export function directoryTimeoutMs(config: DirectoryConfig): number {
  switch (config.kind) {
    case 'none':
      return 0;
    case 'okta':
      return config.okta.timeoutMs;
    case 'entra':
      return config.entra.timeoutMs;
    case 'google':
      return config.google.timeoutMs;
    default:
      return config.ldap.timeoutMs;
  }
}

/** Rules across the directory variables, on the raw record (so they show up alongside other problems). */
export function directoryRawProblems(env: RawEnv): string[] {
  const kind = env.DIRECTORY ?? 'none';
  if (kind === 'okta') {
    const problems = env.OKTA_ORG_URL ? [] : ['OKTA_ORG_URL is required when DIRECTORY=okta'];
    const token = Boolean(env.OKTA_API_TOKEN);
    const app = Boolean(env.OKTA_CLIENT_ID || env.OKTA_PRIVATE_KEY_FILE);
    if (token && app) {
      problems.push(
        'OKTA_API_TOKEN and OKTA_CLIENT_ID/OKTA_PRIVATE_KEY_FILE: set one way to sign in to Okta, not both',
      );
    } else if (!token && !app) {
      problems.push('OKTA_API_TOKEN, or OKTA_CLIENT_ID with OKTA_PRIVATE_KEY_FILE, is required when DIRECTORY=okta');
    } else if (app && !(env.OKTA_CLIENT_ID && env.OKTA_PRIVATE_KEY_FILE)) {
      problems.push(
        `${env.OKTA_CLIENT_ID ? 'OKTA_PRIVATE_KEY_FILE' : 'OKTA_CLIENT_ID'} is required with ${env.OKTA_CLIENT_ID ? 'OKTA_CLIENT_ID' : 'OKTA_PRIVATE_KEY_FILE'}: a service app signs in with its client ID and private key`,
      );
    }
    return problems;
  }
  if (kind === 'google') {
    const problems = ['GOOGLE_SERVICE_ACCOUNT_FILE', 'GOOGLE_ADMIN_SUBJECT']
      .filter((name) => !env[name])
      .map((name) => `${name} is required when DIRECTORY=google`);
    // google-auth-library logs each request's headers and the token endpoint's answers when this is set.
    if (env.GOOGLE_SDK_NODE_LOGGING) {
      problems.push(
        "GOOGLE_SDK_NODE_LOGGING: Google's client would print the bot's access tokens (request headers, token answers) to stderr; remove it",
      );
    }
    return problems;
  }
  if (kind === 'entra') {
    const problems = ['ENTRA_TENANT_ID', 'ENTRA_CLIENT_ID']
      .filter((name) => !env[name])
      .map((name) => `${name} is required when DIRECTORY=entra`);
    if (env.ENTRA_CLIENT_SECRET && env.ENTRA_CLIENT_CERTIFICATE_FILE) {
      problems.push(
        'ENTRA_CLIENT_SECRET and ENTRA_CLIENT_CERTIFICATE_FILE: set one way for the app to sign in, not both',
      );
    } else if (!env.ENTRA_CLIENT_SECRET && !env.ENTRA_CLIENT_CERTIFICATE_FILE) {
      problems.push('ENTRA_CLIENT_SECRET or ENTRA_CLIENT_CERTIFICATE_FILE is required when DIRECTORY=entra');
    }
    return problems;
  }
  if (!LDAP_KINDS.includes(kind)) return [];
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
  if (e.DIRECTORY === 'okta') {
    return {
      kind: 'okta',
      okta: {
        orgUrl: e.OKTA_ORG_URL ?? '',
        auth: e.OKTA_API_TOKEN
          ? { kind: 'token', token: e.OKTA_API_TOKEN }
          : {
              kind: 'privateKey',
              clientId: e.OKTA_CLIENT_ID ?? '',
              keyFile: e.OKTA_PRIVATE_KEY_FILE ?? '',
              ...(e.OKTA_KEY_ID ? { keyId: e.OKTA_KEY_ID } : {}),
            },
        timeoutMs: e.DIRECTORY_TIMEOUT_MS,
      },
      cloud: { revokeSessions: e.DIRECTORY_REVOKE_SESSIONS },
    };
  }
  if (e.DIRECTORY === 'google') {
    return {
      kind: 'google',
      google: {
        keyFile: e.GOOGLE_SERVICE_ACCOUNT_FILE ?? '',
        subject: e.GOOGLE_ADMIN_SUBJECT ?? '',
        employeeIdField: e.GOOGLE_EMPLOYEE_ID_FIELD,
        apiUrl: e.GOOGLE_API_URL ?? 'https://admin.googleapis.com',
        tokenUrl: e.GOOGLE_TOKEN_URL ?? 'https://oauth2.googleapis.com/token',
        timeoutMs: e.DIRECTORY_TIMEOUT_MS,
      },
      cloud: { revokeSessions: e.DIRECTORY_REVOKE_SESSIONS },
    };
  }
  if (e.DIRECTORY === 'entra') {
    return {
      kind: 'entra',
      entra: {
        tenantId: e.ENTRA_TENANT_ID ?? '',
        clientId: e.ENTRA_CLIENT_ID ?? '',
        credential: e.ENTRA_CLIENT_SECRET
          ? { kind: 'secret', secret: e.ENTRA_CLIENT_SECRET }
          : { kind: 'certificate', file: e.ENTRA_CLIENT_CERTIFICATE_FILE ?? '' },
        authorityHost: e.ENTRA_AUTHORITY_HOST ?? 'https://login.microsoftonline.com',
        graphUrl: e.ENTRA_GRAPH_URL ?? 'https://graph.microsoft.com',
        timeoutMs: e.DIRECTORY_TIMEOUT_MS,
      },
      cloud: { revokeSessions: e.DIRECTORY_REVOKE_SESSIONS },
    };
  }
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
