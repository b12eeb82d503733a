import { readFileSync } from 'node:fs';
import { admin, type admin_directory_v1, auth } from '@googleapis/admin';
import type { GoogleConfig } from '../../config/index.js';
import { emailAsHeld, lookupEmail, sameEmail } from '../../domain/email.js';
import { createPasswordGenerator } from '../../domain/password.js';
import { buildProfile } from '../../domain/password-policy.js';
import { withTimeout } from '../../lib/with-timeout.js';
import type { Directory, DirectoryAccount, DirectoryLookup, PasswordSetReceipt } from '../../ports/index.js';
import { classifyGoogleReadError, classifyGoogleWriteError, describeGoogleStartupError } from './errors.js';

type User = admin_directory_v1.Schema$User;

/** Read and manage users, and sign them out (users.signOut needs the security scope). */
export const GOOGLE_SCOPES = [
  'https://www.googleapis.com/auth/admin.directory.user',
  'https://www.googleapis.com/auth/admin.directory.user.security',
] as const;

/** Where gtoken sends the service account's assertion; it cannot be configured, only redirected. */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** Two matches are enough to know a code is ambiguous. */
const LOOKUP_LIMIT = 10;

/**
 * What the Directory API's query language gives a meaning to inside a value (its quotes, an escape, the `*` of a
 * prefix search) and documents no way to quote. An address holding one is legal (o'neil@…), so it is asked for by
 * users.get, which takes an address as it is (primary or alias), instead of inside a query.
 */
const QUERY_UNSAFE = /['"\\*]/;

/** The marker after a set: Google keeps no time of the last password change, only the pending-change flag. */
const PENDING = 'changePasswordAtNextLogin';

interface ServiceAccountKey {
  readonly client_email: string;
  readonly private_key: string;
  readonly private_key_id?: string;
  readonly client_id?: string;
}

/** users.get's answer for an address that is no user's, primary or alias. */
function notFound(err: unknown): boolean {
  const e = err as { status?: number; response?: { status?: number } };
  return (e?.status ?? e?.response?.status) === 404;
}

function readKey(file: string): ServiceAccountKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`GOOGLE_SERVICE_ACCOUNT_FILE: cannot read ${file} (${(err as { code?: string }).code ?? 'error'})`);
  }
  let key: Partial<ServiceAccountKey>;
  try {
    key = JSON.parse(text) as Partial<ServiceAccountKey>;
  } catch {
    throw new Error(`GOOGLE_SERVICE_ACCOUNT_FILE: ${file} is not JSON (download the key as JSON)`);
  }
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw new Error(`GOOGLE_SERVICE_ACCOUNT_FILE: ${file} has no client_email and private_key (a service account key)`);
  }
  return key as ServiceAccountKey;
}

/** The typings say `any` for the user's lists (externalIds, phones): what the bot reads of each entry. */
function listOf(value: unknown): { type?: unknown; value?: unknown }[] {
  return Array.isArray(value) ? (value as { type?: unknown; value?: unknown }[]) : [];
}

/** The value of the employee id field on a user: externalIds[].value, or a custom schema's field. */
function employeeIds(user: User, field: string): string[] {
  // The Admin console's "Employee ID" is the externalIds entry of type organization; other types are other systems'.
  if (field === 'externalId') {
    return listOf(user.externalIds)
      .filter((x) => x.type === 'organization')
      .map((x) => String(x.value ?? ''));
  }
  const [schema = '', name = ''] = field.split('.');
  const value = (user.customSchemas?.[schema] as Record<string, unknown> | undefined)?.[name];
  const values = Array.isArray(value) ? value.map((v) => (v as { value?: unknown })?.value ?? v) : [value];
  return values.filter((v) => v !== undefined && v !== null).map(String);
}

/**
 * The company directory in Google Workspace, through the official Admin SDK client (@googleapis/admin) with a
 * service account acting for an admin by domain-wide delegation.
 */
export function createGoogleDirectory(config: GoogleConfig): Directory {
  const key = readKey(config.keyFile);
  const jwt = new auth.JWT({
    email: key.client_email,
    key: key.private_key,
    ...(key.private_key_id ? { keyId: key.private_key_id } : {}),
    scopes: [...GOOGLE_SCOPES],
    subject: config.subject,
  });
  if (config.tokenUrl !== GOOGLE_TOKEN_URL) {
    // A test server (or a proxy endpoint): gtoken's URL is a constant, so its request is rewritten on the way out.
    jwt.transporter.interceptors.request.add({
      resolved: async (request) => {
        if (String(request.url) === GOOGLE_TOKEN_URL) request.url = new URL(config.tokenUrl);
        return request;
      },
    });
  }
  // gtoken's request gets the same limits as the API's: a time limit, no retries, no redirects.
  jwt.transporter.defaults = { ...jwt.transporter.defaults, timeout: config.timeoutMs, retry: false, maxRedirects: 0 };
  const directory = admin({ version: 'directory_v1', auth: jwt, rootUrl: `${config.apiUrl}/` });
  const scrambler = createPasswordGenerator(buildProfile({ profile: 'strong', length: 32, groups: 4 }));
  /**
   * Each request within DIRECTORY_TIMEOUT_MS, never sent twice (gaxios's own retries off, reads too), and never
   * redirected: a password must not be carried on to another host.
   */
  const options = { timeout: config.timeoutMs, retry: false, maxRedirects: 0 };
  const query =
    config.employeeIdField === 'externalId'
      ? (code: string) => `externalId='${code}'`
      : (code: string) => `${config.employeeIdField}='${code}'`;
  // A custom schema's field comes only with the full projection.
  const projection = config.employeeIdField === 'externalId' ? 'basic' : 'full';

  /**
   * The service account's token, within DIRECTORY_TIMEOUT_MS (gtoken's request has no time limit of its own),
   * before each operation; cached by the client until it nears expiry. A failure here means the API was not asked.
   */
  const signedIn = async (): Promise<void> => {
    try {
      await withTimeout(jwt.getAccessToken(), config.timeoutMs, () =>
        Object.assign(new Error('token request timed out'), { code: 'ETIMEDOUT' }),
      );
    } catch (err) {
      throw classifyGoogleReadError(err);
    }
  };

  const read = async <T>(op: () => Promise<T>): Promise<T> => {
    await signedIn();
    try {
      return await op();
    } catch (err) {
      throw classifyGoogleReadError(err);
    }
  };

  /** What a lookup found, kept where `exact` says so: Google's search matches loosely (prefixes, case, aliases). */
  function decide(users: readonly User[], exact: (user: User) => boolean): DirectoryLookup {
    const kept = users.filter(exact);
    const [only] = kept;
    if (!only) return { found: 'none' };
    if (kept.length > 1) return { found: 'many', count: kept.length };
    return { found: 'one', account: toAccount(only) };
  }

  /** users.list with a query. */
  async function search(q: string): Promise<User[]> {
    const { data } = await directory.users.list(
      { customer: 'my_customer', query: q, projection, maxResults: LOOKUP_LIMIT },
      options,
    );
    return data.users ?? [];
  }

  function toAccount(user: User): DirectoryAccount {
    const id = user.id ?? '';
    const admin =
      user.isAdmin === true ? 'Super Admin' : user.isDelegatedAdmin === true ? 'a delegated admin role' : undefined;
    // Without these the account's state cannot be vouched for (an admin flag missing is not "not an admin").
    const unreadable = [
      ...(!id ? ['id'] : []),
      ...(['suspended', 'isAdmin', 'isDelegatedAdmin'] as const).filter((f) => typeof user[f] !== 'boolean'),
    ];
    const mobiles = listOf(user.phones)
      .filter((p) => p.type === 'mobile' && typeof p.value === 'string')
      .map((p) => String(p.value));
    const email = emailAsHeld(user.primaryEmail);
    return {
      id,
      login: user.primaryEmail ?? '',
      displayName: user.name?.fullName || user.primaryEmail || '',
      employeeCode: employeeIds(user, config.employeeIdField)[0] ?? '',
      ...(email ? { email } : {}),
      mobiles,
      disabled: user.suspended === true || user.archived === true,
      locked: false,
      ...(admin ? { protection: { reason: 'admin_role' as const, what: admin } } : {}),
      ...(unreadable.length > 0 ? { unreadable } : {}),
    };
  }

  async function setPassword(userKey: string, password: string): Promise<void> {
    await directory.users.patch({ userKey, requestBody: { password, changePasswordAtNextLogin: true } }, options);
  }

  return {
    kind: 'google',
    label: 'Google Workspace',

    async verify() {
      try {
        await directory.users.list({ customer: 'my_customer', maxResults: 1, fields: 'users(id)' }, options);
      } catch (err) {
        throw new Error(
          describeGoogleStartupError(err, config.apiUrl, key.client_id ?? key.client_email, GOOGLE_SCOPES),
        );
      }
    },

    findByEmployeeCode(code): Promise<DirectoryLookup> {
      return read(async () => {
        // The form allows only letters, digits and dashes; anything else cannot be quoted safely here.
        if (!/^[A-Za-z0-9-]+$/.test(code)) return { found: 'none' };
        // The code must be the field's value exactly.
        return decide(await search(query(code)), (u) => employeeIds(u, config.employeeIdField).includes(code));
      });
    },

    async findByEmail(email): Promise<DirectoryLookup> {
      const wanted = lookupEmail(email);
      return read(async () => {
        const users = QUERY_UNSAFE.test(wanted)
          ? await directory.users.get({ userKey: wanted, projection }, options).then(
              ({ data }) => [data],
              (err: unknown) => {
                if (notFound(err)) return [];
                throw err;
              },
            )
          : await search(`email:'${wanted}'`);
        // Both also match aliases (and the query, prefixes): only the primary address, exactly, is the employee's.
        return decide(users, (u) => sameEmail(u.primaryEmail, wanted));
      });
    },

    async setTemporaryPassword(account, password): Promise<PasswordSetReceipt> {
      await signedIn();
      try {
        await setPassword(account.id, password);
      } catch (err) {
        throw classifyGoogleWriteError(err, password);
      }
      return { marker: Promise.resolve(PENDING), unlocked: false };
    },

    async scramble(accountId) {
      await signedIn();
      try {
        await setPassword(accountId, scrambler.generate());
      } catch (err) {
        throw classifyGoogleWriteError(err);
      }
    },

    passwordChangedSince(accountId) {
      return read(async () => {
        const { data } = await directory.users.get(
          { userKey: accountId, fields: 'changePasswordAtNextLogin' },
          options,
        );
        // The employee's own change clears the flag our set raised; Google keeps no time of it.
        return { changed: data.changePasswordAtNextLogin === false };
      });
    },

    async revokeSessions(accountId) {
      await signedIn();
      try {
        await directory.users.signOut({ userKey: accountId }, options);
      } catch (err) {
        throw classifyGoogleWriteError(err);
      }
    },

    async close() {
      // The client holds no connection of its own.
    },
  };
}
