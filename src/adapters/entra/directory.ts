import { readFileSync } from 'node:fs';
import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { Client, RedirectHandlerOptions, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import type { EntraConfig } from '../../config/index.js';
import { emailAsHeld, lookupEmail, sameEmail } from '../../domain/email.js';
import { createPasswordGenerator } from '../../domain/password.js';
import { buildProfile } from '../../domain/password-policy.js';
import type { Directory, DirectoryAccount, DirectoryLookup, PasswordSetReceipt } from '../../ports/index.js';
import { classifyEntraReadError, classifyEntraWriteError, describeEntraStartupError } from './errors.js';

/** The fields of a Graph user the bot reads. */
interface GraphUser {
  readonly id?: string;
  readonly userPrincipalName?: string;
  readonly displayName?: string | null;
  readonly employeeId?: string | null;
  readonly mail?: string | null;
  readonly mobilePhone?: string | null;
  readonly accountEnabled?: boolean | null;
  readonly onPremisesSyncEnabled?: boolean | null;
  readonly lastPasswordChangeDateTime?: string | null;
}

const USER_FIELDS = [
  'id',
  'userPrincipalName',
  'displayName',
  'employeeId',
  'mail',
  'mobilePhone',
  'accountEnabled',
  'onPremisesSyncEnabled',
  'lastPasswordChangeDateTime',
];

/** Two matches are enough to know a code is ambiguous. */
const LOOKUP_LIMIT = 10;

/**
 * A value (an employee code, an email, an id) as an OData string literal in a $filter: single quotes doubled, and
 * percent-encoded, because the Graph client puts $filter into the URL as it is given: a raw `&` would start another
 * query parameter, `#` would cut the URL, and `+` would reach Graph as a space (a+b@… is a common address).
 */
export function odataString(value: string): string {
  return `'${encodeURIComponent(value.replace(/'/g, "''"))}'`;
}

/**
 * The company directory in Microsoft Entra ID, through the official Graph client (@microsoft/microsoft-graph-client
 * 3) with an app-only token from @azure/identity (client credentials: a secret or a certificate).
 */
export function createEntraDirectory(config: EntraConfig): Directory {
  const options = { authorityHost: config.authorityHost, disableInstanceDiscovery: isLocal(config.authorityHost) };
  const credential: TokenCredential =
    config.credential.kind === 'secret'
      ? new ClientSecretCredential(config.tenantId, config.clientId, config.credential.secret, options)
      : new ClientCertificateCredential(
          config.tenantId,
          config.clientId,
          { certificate: readCertificate(config.credential.file) },
          options,
        );
  const graphHost = new URL(config.graphUrl).hostname;
  const scope = `${new URL(config.graphUrl).origin}/.default`;
  const client = Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [scope] }),
    baseUrl: `${config.graphUrl}/`,
    defaultVersion: 'v1.0',
    // The client only attaches the token for Graph's own hosts, or these (a national cloud, a test server).
    customHosts: new Set([graphHost]),
  });
  const scrambler = createPasswordGenerator(buildProfile({ profile: 'strong', length: 32, groups: 4 }));

  /**
   * One Graph request with this bot's rules: within DIRECTORY_TIMEOUT_MS, and retried at most once, only after a
   * 429 (never a write Graph may have acted on: a 503 or 504 could follow one), when Retry-After fits in the time.
   */
  const request = (path: string) => {
    const deadline = Date.now() + config.timeoutMs;
    const retry = new RetryHandlerOptions(1, 1, (_delay, _attempt, _req, _opts, response) => {
      if (response.status !== 429) return false;
      const after = Number(response.headers.get('Retry-After') ?? 1);
      return Number.isFinite(after) && Date.now() + after * 1000 < deadline;
    });
    // Never redirected: a password must not be sent on to another host (a 3xx becomes a failure here).
    const noRedirect = new RedirectHandlerOptions(0, () => false);
    return client
      .api(path)
      .middlewareOptions([retry, noRedirect])
      .option('signal', AbortSignal.timeout(config.timeoutMs));
  };

  /**
   * The app's token, within DIRECTORY_TIMEOUT_MS (the Graph client's own token request has no time limit), before
   * each operation; cached by @azure/identity until it nears expiry. A failure here means Graph was not asked.
   */
  const signedIn = async (): Promise<void> => {
    try {
      await credential.getToken(scope, { abortSignal: AbortSignal.timeout(config.timeoutMs) });
    } catch (err) {
      throw classifyEntraReadError(err);
    }
  };

  const read = async <T>(op: () => Promise<T>): Promise<T> => {
    await signedIn();
    try {
      return await op();
    } catch (err) {
      throw classifyEntraReadError(err);
    }
  };

  /**
   * Any Entra role the account holds or may activate counts: active built-in roles (directly or through a
   * role-assignable group: transitiveMemberOf), role assignments to it or to those groups at any scope (custom roles,
   * administrative units), and roles it is eligible for in Privileged Identity Management. A read the app may not
   * make counts as an admin's.
   */
  async function adminRoles(userId: string): Promise<DirectoryAccount['protection']> {
    const names = new Set<string>();
    const user = encodeURIComponent(userId);
    try {
      // Two rounds of two reads side by side: a lookup waits for every one, against its 2.5 s budget.
      type Answer<T> = { value?: T[] };
      const [active, groups] = (await Promise.all([
        request(`/users/${user}/transitiveMemberOf/microsoft.graph.directoryRole`).select(['displayName']).get(),
        request(`/users/${user}/transitiveMemberOf/microsoft.graph.group`).select(['id', 'isAssignableToRole']).get(),
      ])) as [Answer<{ displayName?: string }>, Answer<{ id?: string; isAssignableToRole?: boolean }>];
      for (const r of active.value ?? []) names.add(r.displayName || 'a directory role');
      const roleGroups = (groups.value ?? []).filter((g) => g.isAssignableToRole && g.id).map((g) => String(g.id));
      const inList = [userId, ...roleGroups].map((p) => odataString(p)).join(',');
      const kinds = ['roleAssignments', 'roleEligibilitySchedules'] as const;
      const answers = (await Promise.all(
        kinds.map((kind) =>
          request(`/roleManagement/directory/${kind}`)
            .filter(`principalId in (${inList})`)
            .expand('roleDefinition($select=displayName)')
            .get(),
        ),
      )) as Answer<{ roleDefinition?: { displayName?: string } }>[];
      answers.forEach((answer, i) => {
        for (const a of answer.value ?? []) {
          const name = a.roleDefinition?.displayName || 'a role';
          names.add(kinds[i] === 'roleEligibilitySchedules' ? `${name} (eligible)` : name);
        }
      });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 403)
        return { reason: 'admin_role', what: 'roles_unreadable' };
      throw err;
    }
    return names.size > 0 ? { reason: 'admin_role', what: [...names].join(', ') } : undefined;
  }

  async function toAccount(user: GraphUser): Promise<DirectoryAccount> {
    const id = user.id ?? '';
    const protection = id ? await adminRoles(id) : undefined;
    const unreadable = [
      ...(!id ? ['id'] : []),
      ...(typeof user.accountEnabled !== 'boolean' ? ['accountEnabled'] : []),
    ];
    const email = emailAsHeld(user.mail);
    return {
      id,
      login: user.userPrincipalName ?? '',
      displayName: user.displayName || user.userPrincipalName || '',
      employeeCode: user.employeeId ?? '',
      ...(email ? { email } : {}),
      mobiles: user.mobilePhone ? [user.mobilePhone] : [],
      disabled: user.accountEnabled === false,
      // Entra's smart lockout is not visible to Graph, and a new password does not lift it.
      locked: false,
      ...(protection ? { protection } : {}),
      ...(user.onPremisesSyncEnabled
        ? { passwordManagedBy: 'on-premises Active Directory (synced by Microsoft Entra Connect)' }
        : {}),
      ...(unreadable.length > 0 ? { unreadable } : {}),
    };
  }

  /** The users a $filter finds, kept where `exact` says so. */
  const lookup = (filter: string, exact: (user: GraphUser) => boolean): Promise<DirectoryLookup> =>
    read(async () => {
      const answer = (await request('/users').filter(filter).select(USER_FIELDS).top(LOOKUP_LIMIT).get()) as {
        value?: GraphUser[];
      };
      const kept = (answer.value ?? []).filter(exact);
      const [only] = kept;
      if (!only) return { found: 'none' };
      if (kept.length > 1) return { found: 'many', count: kept.length };
      return { found: 'one', account: await toAccount(only) };
    });

  async function lastChange(userId: string): Promise<string> {
    const user = (await request(`/users/${encodeURIComponent(userId)}`)
      .select(['lastPasswordChangeDateTime'])
      .get()) as GraphUser;
    return user.lastPasswordChangeDateTime ?? '';
  }

  async function setPassword(userId: string, password: string): Promise<void> {
    await request(`/users/${encodeURIComponent(userId)}`).patch({
      passwordProfile: { password, forceChangePasswordNextSignIn: true },
    });
  }

  return {
    kind: 'entra',
    label: 'Microsoft Entra ID',

    async verify() {
      try {
        // The token first, within the time limit: the Graph client's own token request has none.
        await credential.getToken(scope, { abortSignal: AbortSignal.timeout(config.timeoutMs) });
      } catch (err) {
        const name = (err as { name?: string }).name;
        throw new Error(
          name === 'AbortError'
            ? `ENTRA_AUTHORITY_HOST: no answer from the token endpoint at ${config.authorityHost} within DIRECTORY_TIMEOUT_MS`
            : describeEntraStartupError(err, config.graphUrl, config.authorityHost, config.credential.kind),
        );
      }
      try {
        await request('/users').select(['id']).top(1).get();
      } catch (err) {
        throw new Error(describeEntraStartupError(err, config.graphUrl, config.authorityHost, config.credential.kind));
      }
    },

    findByEmployeeCode(code): Promise<DirectoryLookup> {
      // Graph compares employeeId without regard to case; the bot wants the code as the directory holds it.
      return lookup(`employeeId eq ${odataString(code)}`, (u) => u.employeeId === code);
    },

    async findByEmail(email): Promise<DirectoryLookup> {
      const wanted = lookupEmail(email);
      return lookup(`mail eq ${odataString(wanted)}`, (u) => sameEmail(u.mail, wanted));
    },

    async setTemporaryPassword(account, password): Promise<PasswordSetReceipt> {
      await signedIn();
      try {
        // One write: the password and the forced change together, as on LDAP.
        await setPassword(account.id, password);
      } catch (err) {
        throw classifyEntraWriteError(err, password);
      }
      // lastPasswordChangeDateTime counts the bot's own set: the value read now is what a later change must pass.
      const marker = read(() => lastChange(account.id)).catch(() => '');
      return { marker, unlocked: false };
    },

    async scramble(accountId) {
      await signedIn();
      try {
        await setPassword(accountId, scrambler.generate());
      } catch (err) {
        throw classifyEntraWriteError(err);
      }
    },

    passwordChangedSince(accountId, marker) {
      return read(async () => {
        const changed = Date.parse(await lastChange(accountId));
        if (!(Number.isFinite(changed) && marker !== '' && changed > Date.parse(marker))) return { changed: false };
        return { changed: true, at: new Date(changed) };
      });
    },

    async revokeSessions(accountId) {
      await signedIn();
      try {
        await request(`/users/${encodeURIComponent(accountId)}/revokeSignInSessions`).post({});
      } catch (err) {
        throw classifyEntraWriteError(err);
      }
    },

    async close() {
      // The Graph client and the credential hold no connection of their own.
    },
  };
}

/** The app's certificate and its private key, one PEM file, read once at start-up (the SDK would read it late). */
function readCertificate(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(
      `ENTRA_CLIENT_CERTIFICATE_FILE: cannot read ${file} (${(err as { code?: string }).code ?? 'error'})`,
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----') || !/-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem)) {
    throw new Error(
      `ENTRA_CLIENT_CERTIFICATE_FILE: ${file} must hold the certificate and its private key, both PEM (cat app.crt app.key)`,
    );
  }
  return pem;
}

/** A loopback authority (the tests' local server) has no instance discovery to ask. */
function isLocal(url: string): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
}
