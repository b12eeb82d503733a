import { readFileSync } from 'node:fs';
import okta from '@okta/okta-sdk-nodejs';
import { OKTA_SCOPES, type OktaConfig } from '../../config/index.js';
import { emailAsHeld, lookupEmail, sameEmail } from '../../domain/email.js';
import { createPasswordGenerator } from '../../domain/password.js';
import { buildProfile } from '../../domain/password-policy.js';
import { AppError, ErrorCode } from '../../errors.js';
import type { Directory, DirectoryAccount, DirectoryLookup, PasswordSetReceipt } from '../../ports/index.js';
import {
  classifyOktaReadError,
  classifyOktaWriteError,
  describeOktaStartupError,
  describeOktaTokenError,
  rateLimitWaitMs,
} from './errors.js';
import { createFactorPush, FACTOR_POLL_MS } from './factor-push.js';

/** The fields of an Okta user the bot reads (the SDK's User, loosely: profile attributes are the org's own). */
interface OktaUser {
  readonly id?: string;
  readonly status?: string;
  readonly passwordChanged?: Date | string | null;
  readonly profile?: Readonly<Record<string, unknown>>;
  readonly credentials?: { readonly provider?: { readonly type?: string; readonly name?: string } };
}

/**
 * Each request within one deadline, and never redirected: the SDK's own executor retries a 429 with a timeout it
 * computes wrongly (the wait counted twice: the retry is sent, then aborted), gives node-fetch a timeout that applies
 * to the headers and the body separately, and follows redirects, which would carry a password to another host.
 * A 429 is a plain failure here; nothing is sent twice.
 */
class BoundedExecutor extends okta.RequestExecutor {
  constructor(private readonly timeoutMs: number) {
    super();
  }
  override fetch(request: Parameters<okta.RequestExecutor['fetch']>[0]) {
    const bounded = { ...request, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) };
    return super.fetch(bounded as typeof request);
  }
}

/** What Okta's token endpoint answered: a token, or an OAuth error. */
interface OAuthAnswer {
  readonly access_token?: unknown;
  readonly error?: string;
}

/** Two matches are enough to know a code is ambiguous. */
const LOOKUP_LIMIT = 10;

/** Statuses an administrator set: a reset must not undo them (Okta would reactivate a suspended user on some paths). */
const DISABLED = new Set(['SUSPENDED', 'DEPROVISIONED']);
/** Created, never activated: there is no sign-in to give a password to. */
const NOT_ACTIVATED = new Set(['STAGED', 'PROVISIONED']);
/**
 * Where the password lives, by credentials.provider.type: OKTA (and IMPORT, a user imported with a password hook
 * that Okta takes over at the first set) keep it in Okta; the others only defer to another system.
 */
const MANAGED_BY: Readonly<Record<string, string>> = {
  ACTIVE_DIRECTORY: 'Active Directory (through the Okta AD agent)',
  LDAP: 'an LDAP directory (through the Okta LDAP agent)',
  FEDERATION: 'the identity provider the account signs in with (federated)',
  SOCIAL: 'the social identity provider the account signs in with',
};

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const iso = (v: Date | string | null | undefined): string =>
  v instanceof Date ? v.toISOString() : typeof v === 'string' ? v : '';

/** The service app's private key, PEM or JWK, read once at start-up. */
function readPrivateKey(file: string): string {
  let key: string;
  try {
    key = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`OKTA_PRIVATE_KEY_FILE: cannot read ${file} (${(err as { code?: string }).code ?? 'error'})`);
  }
  if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(key) && !key.trim().startsWith('{')) {
    throw new Error(`OKTA_PRIVATE_KEY_FILE: ${file} holds neither a PEM private key nor a JWK`);
  }
  return key;
}

/** A value (an employee code, an email) inside Okta's search expression: a double-quoted string, `\` and `"` escaped. */
export function searchFor(attribute: string, value: string): string {
  return `profile.${attribute} eq "${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The company directory in Okta, through the official SDK (@okta/okta-sdk-nodejs 8) with an API token (SSWS). Its
 * response cache is off: 8.1 caches single-user reads with no expiry, which would hide the employee's own change.
 */
export function createOktaDirectory(
  config: OktaConfig,
  /** For the tests: the Okta Verify push's poll interval (FACTOR_POLL_MS). */
  tuning: { readonly factorPollMs?: number } = {},
): Directory {
  const { auth } = config;
  const client = new okta.Client({
    orgUrl: config.orgUrl,
    ...(auth.kind === 'token'
      ? { authorizationMode: 'SSWS', token: auth.token }
      : {
          authorizationMode: 'PrivateKey',
          clientId: auth.clientId,
          scopes: [...OKTA_SCOPES],
          privateKey: readPrivateKey(auth.keyFile),
          ...(auth.keyId ? { keyId: auth.keyId } : {}),
        }),
    cacheMiddleware: null,
    requestExecutor: new BoundedExecutor(config.timeoutMs),
  });
  /**
   * The service app's sign-in (private_key_jwt), checked on its own: 8.1 resolves a refused token request with the
   * error body (its error filter is lost to a circular import), caches it, and sends `Bearer undefined`.
   */
  const oauth = (client as unknown as { oauth?: { getAccessToken(): Promise<OAuthAnswer | null> } }).oauth;
  const scrambler = createPasswordGenerator(buildProfile({ profile: 'strong', length: 32, groups: 4 }));
  const employeeAttribute = 'employeeNumber';

  /**
   * A read, asked again once after a 429 when Okta's x-rate-limit-reset falls within DIRECTORY_TIMEOUT_MS of the
   * first try (a read can be repeated; a write never is). Past that, or on a second 429, a rate limit in words.
   */
  const read = async <T>(op: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await op();
    } catch (err) {
      const waitMs = rateLimitWaitMs(err);
      if (waitMs === undefined || Date.now() + waitMs - started >= config.timeoutMs) throw classifyOktaReadError(err);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      try {
        return await op();
      } catch (again) {
        throw classifyOktaReadError(again);
      }
    }
  };

  /** The users a search expression finds, kept where `exact` says so (Okta's search is looser than the bot). */
  const lookup = (search: string, exact: (user: OktaUser) => boolean): Promise<DirectoryLookup> =>
    read(async () => {
      const found: OktaUser[] = [];
      const users = await client.userApi.listUsers({ search, limit: LOOKUP_LIMIT });
      for await (const user of users) {
        if (user) found.push(user as OktaUser);
        if (found.length > LOOKUP_LIMIT) break;
      }
      const kept = found.filter(exact);
      const [only] = kept;
      if (!only) return { found: 'none' };
      if (kept.length > 1) return { found: 'many', count: kept.length };
      return { found: 'one', account: await toAccount(only) };
    });

  /** Administrator roles, assigned directly or through a group; unreadable roles count as an administrator's. */
  async function adminRoles(userId: string): Promise<DirectoryAccount['protection']> {
    const labels: string[] = [];
    try {
      const roles = await client.roleAssignmentApi.listAssignedRolesForUser({ userId });
      for await (const role of roles) {
        const r = role as { label?: string; type?: string } | null;
        if (r) labels.push(r.label || r.type || 'an admin role');
      }
    } catch (err) {
      if ((err as { status?: number }).status === 403) return { reason: 'admin_role', what: 'roles_unreadable' };
      throw err;
    }
    return labels.length > 0 ? { reason: 'admin_role', what: [...new Set(labels)].join(', ') } : undefined;
  }

  async function toAccount(user: OktaUser): Promise<DirectoryAccount> {
    const id = user.id ?? '';
    const profile = user.profile ?? {};
    const login = text(profile.login);
    const name = text(profile.displayName) || `${text(profile.firstName)} ${text(profile.lastName)}`.trim() || login;
    const status = user.status ?? '';
    const provider = user.credentials?.provider?.type ?? 'OKTA';
    const protection = await adminRoles(id);
    const managedBy = MANAGED_BY[provider] ?? (provider === 'OKTA' || provider === 'IMPORT' ? undefined : provider);
    const email = emailAsHeld(profile.email);
    return {
      id,
      login,
      displayName: name,
      employeeCode: text(profile[employeeAttribute]),
      ...(email ? { email } : {}),
      mobiles: text(profile.mobilePhone) ? [text(profile.mobilePhone)] : [],
      disabled: DISABLED.has(status),
      locked: status === 'LOCKED_OUT',
      ...(protection ? { protection } : {}),
      ...(NOT_ACTIVATED.has(status) ? { loginBlocked: 'not_activated' as const } : {}),
      ...(managedBy ? { passwordManagedBy: managedBy } : {}),
      ...(!id || !status ? { unreadable: [!id ? 'id' : 'status'] } : {}),
    };
  }

  return {
    kind: 'okta',
    label: 'Okta',

    async verify() {
      if (oauth) {
        let token: OAuthAnswer | null;
        try {
          token = await oauth.getAccessToken();
        } catch (err) {
          throw new Error(describeOktaTokenError(err, config.orgUrl));
        }
        if (typeof token?.access_token !== 'string') {
          throw new Error(describeOktaTokenError({ oauthError: token?.error ?? 'no access_token' }, config.orgUrl));
        }
      }
      try {
        const users = await client.userApi.listUsers({ limit: 1 });
        for await (const _ of users) break;
      } catch (err) {
        throw new Error(describeOktaStartupError(err, config.orgUrl, auth.kind));
      }
    },

    findByEmployeeCode(code): Promise<DirectoryLookup> {
      // Okta's search compares case-insensitively; the code must match as the directory holds it.
      return lookup(searchFor(employeeAttribute, code), (u) => text(u.profile?.[employeeAttribute]) === code);
    },

    async findByEmail(email): Promise<DirectoryLookup> {
      const wanted = lookupEmail(email);
      return lookup(searchFor('email', wanted), (u) => sameEmail(u.profile?.email, wanted));
    },

    async setTemporaryPassword(account, password): Promise<PasswordSetReceipt> {
      const userId = account.id;
      if (account.locked) {
        try {
          await client.userApi.unlockUser({ userId });
        } catch (err) {
          // An unlock whose answer was lost changes no password: nothing to scramble, the reset simply stops.
          const error = classifyOktaWriteError(err);
          throw error.code === ErrorCode.DirectoryOutcomeUnknown
            ? new AppError(ErrorCode.DirectoryUnavailable, 'Okta did not answer the unlock', { reason: 'timeout' })
            : error;
        }
      }
      try {
        await client.userApi.updateUser({
          userId,
          user: { credentials: { password: { value: password } } },
          // strict: Okta applies the password policy's history and minimum age to this set, as to the employee's.
          strict: true,
        });
      } catch (err) {
        throw classifyOktaWriteError(err, password);
      }
      let expired: OktaUser;
      try {
        expired = (await client.userApi.expirePassword({ userId })) as OktaUser;
      } catch (err) {
        // The password is set but not expired: it would be a standing password. The caller scrambles it.
        const cause = classifyOktaWriteError(err);
        throw new AppError(cause.code, 'Okta set the password but did not expire it', {
          ...cause.details,
          passwordChanged: true,
          step: 'expire_password',
        });
      }
      return { marker: Promise.resolve(iso(expired.passwordChanged)), unlocked: account.locked };
    },

    async scramble(accountId) {
      const password = scrambler.generate();
      try {
        // Not strict: a minimum password age must not keep a password nobody got alive.
        await client.userApi.updateUser({
          userId: accountId,
          user: { credentials: { password: { value: password } } },
          strict: false,
        });
      } catch (err) {
        throw classifyOktaWriteError(err, password);
      }
      // A random password nobody knows is unusable either way; the expiry only keeps the sign-in asking for a new
      // one, so a refusal here (the reason a scramble may be needed at all) does not undo the scramble.
      await client.userApi.expirePassword({ userId: accountId }).catch(() => undefined);
    },

    passwordChangedSince(accountId, marker) {
      return read(async () => {
        const user = (await client.userApi.getUser({ userId: accountId })) as OktaUser;
        if (user.status !== 'ACTIVE') return { changed: false };
        const changed = Date.parse(iso(user.passwordChanged));
        if (!Number.isFinite(changed) || (marker && changed <= Date.parse(marker))) return { changed: false };
        return { changed: true, at: new Date(changed) };
      });
    },

    pushToEnrolledFactor: createFactorPush({
      factors: client.userFactorApi,
      pollMs: tuning.factorPollMs ?? FACTOR_POLL_MS,
    }),

    async revokeSessions(accountId) {
      try {
        await client.userApi.revokeUserSessions({ userId: accountId, oauthTokens: true });
      } catch (err) {
        throw classifyOktaWriteError(err);
      }
    },

    async close() {
      // The SDK holds no connection of its own (node-fetch's default agent).
    },
  };
}
