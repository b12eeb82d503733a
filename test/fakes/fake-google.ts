import { generateKeyPairSync, type KeyObject, randomBytes, verify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  answerer,
  answerFault,
  type Fault,
  type RecordedRequest,
  recordRequest,
  sendJson,
  takeFault,
} from './http-util.js';

/**
 * A local Google Workspace for the real @googleapis/admin and google-auth-library, over HTTPS with the test CA: the
 * OAuth token endpoint for a service account's JWT assertion with domain-wide delegation (signature, claims, the
 * subject and the allow-listed scopes checked), and the Admin SDK Directory API paths the bot uses, with Google's
 * error bodies ({error: {code, message, errors: [{reason}]}}). Records every request; employees sign in by `signIn`.
 */

export type GoogleRequest = RecordedRequest;

interface FakeUser {
  id: string;
  primaryEmail: string;
  /** Other addresses that reach the user; users.get and the `email` query find the user by them too. */
  aliases: string[];
  name: { fullName: string };
  externalIds: { type: string; value: string }[];
  customSchemas?: Record<string, Record<string, unknown>>;
  phones: { type: string; value: string }[];
  suspended: boolean;
  archived: boolean;
  isAdmin: boolean;
  isDelegatedAdmin: boolean;
  changePasswordAtNextLogin: boolean;
  password: string;
  signedOutAt?: string;
}

export const GOOGLE_ADMIN = 'admin@example.com';
export const FULL_SCOPES = [
  'https://www.googleapis.com/auth/admin.directory.user',
  'https://www.googleapis.com/auth/admin.directory.user.security',
];

const apiError = (status: number, reason: string, message: string) => ({
  status,
  body: { error: { code: status, message, errors: [{ message, domain: 'global', reason }] } },
});

export class FakeGoogle {
  readonly requests: GoogleRequest[] = [];
  /** Service accounts: client_email → public key, client ID, and the scopes domain-wide delegation allows it. */
  readonly serviceAccounts = new Map<string, { publicKey: KeyObject; clientId: string; scopes: string[] }>();
  /** Admins a service account may act as; with what their admin role does not allow ('read', 'password', 'signout'). */
  readonly admins = new Map<string, Set<string>>([[GOOGLE_ADMIN, new Set()]]);
  url = '';
  private readonly tokens = new Map<string, Set<string>>();
  private readonly users = new Map<string, FakeUser>();
  private readonly faults: Fault[] = [];
  private readonly server: Server;
  private seq = 0;

  constructor() {
    const dir = process.env.RESETPW_TEST_TLS_DIR;
    if (!dir) throw new Error('RESETPW_TEST_TLS_DIR is not set: test/setup/cloud-tls.ts makes the certificates');
    this.server = createServer(
      { key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) },
      (req, res) => {
        this.handle(req, res).catch((err: unknown) => {
          if (!res.headersSent) sendJson(res, 500, apiError(500, 'backendError', String(err)).body);
        });
      },
    );
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  /** A new service account with its JSON key written to `file`; domain-wide delegation allows `scopes`. */
  addServiceAccount(file: string, scopes: string[] = FULL_SCOPES): string {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const email = `resetpw-${++this.seq}@resetpw-test.iam.gserviceaccount.com`;
    const clientId = String(100000000000000000000n + BigInt(this.seq));
    this.serviceAccounts.set(email, { publicKey, clientId, scopes });
    writeFileSync(
      file,
      JSON.stringify({
        type: 'service_account',
        project_id: 'resetpw-test',
        private_key_id: randomBytes(20).toString('hex'),
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        client_email: email,
        client_id: clientId,
        token_uri: 'https://oauth2.googleapis.com/token',
      }),
      { mode: 0o600 },
    );
    return email;
  }

  addUser(spec: {
    email: string;
    aliases?: string[];
    fullName?: string;
    externalId?: string;
    custom?: Record<string, Record<string, unknown>>;
    mobiles?: string[];
    password: string;
    suspended?: boolean;
    isAdmin?: boolean;
    isDelegatedAdmin?: boolean;
  }): string {
    const id = String(110000000000000000000n + BigInt(++this.seq));
    this.users.set(id, {
      id,
      primaryEmail: spec.email,
      aliases: spec.aliases ?? [],
      name: { fullName: spec.fullName ?? spec.email },
      externalIds: spec.externalId ? [{ type: 'organization', value: spec.externalId }] : [],
      ...(spec.custom ? { customSchemas: spec.custom } : {}),
      phones: (spec.mobiles ?? []).map((value) => ({ type: 'mobile', value })),
      suspended: spec.suspended ?? false,
      archived: false,
      isAdmin: spec.isAdmin ?? false,
      isDelegatedAdmin: spec.isDelegatedAdmin ?? false,
      changePasswordAtNextLogin: false,
      password: spec.password,
    });
    return id;
  }

  user(id: string): Readonly<FakeUser> {
    const u = this.users.get(id);
    if (!u) throw new Error(`no user ${id}`);
    return u;
  }

  update(
    id: string,
    change: Partial<Pick<FakeUser, 'suspended' | 'isAdmin' | 'isDelegatedAdmin'>> & { mobiles?: string[] },
  ) {
    const u = this.user(id) as FakeUser;
    const { mobiles, ...rest } = change;
    Object.assign(u, rest);
    if (mobiles) u.phones = mobiles.map((value) => ({ type: 'mobile', value }));
  }

  signIn(id: string, password: string): 'ok' | 'must_change' | 'invalid' {
    const u = this.users.get(id);
    if (!u || u.suspended || u.password !== password) return 'invalid';
    return u.changePasswordAtNextLogin ? 'must_change' : 'ok';
  }

  changeOwnPassword(id: string, password: string): void {
    const u = this.user(id) as FakeUser;
    u.password = password;
    u.changePasswordAtNextLogin = false;
  }

  failNext(match: RegExp, fault: Omit<Fault, 'match'>): void {
    this.faults.push({ match, ...fault });
  }

  callsTo(method: string, path: RegExp): GoogleRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { url, method, raw, recorded } = await recordRequest(req, this.url);
    const body = recorded.body;
    this.requests.push(recorded);
    const answer = answerer(res);
    const fault = takeFault(this.faults, method, url.pathname);
    if (fault && !fault.afterApply) return answerFault(fault, answer);
    if (method === 'POST' && url.pathname === '/token') return answer(this.issueToken(raw));
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const denied = token ? this.tokens.get(token) : undefined;
    if (!denied) return answer(apiError(401, 'authError', 'Invalid Credentials'));
    const result = this.directory(method, url, body, denied);
    if (fault?.afterApply) return answerFault(fault, answer);
    return answer(result);
  }

  /** The JWT bearer grant: a signed assertion from a known service account, for an admin, within its allowed scopes. */
  private issueToken(raw: string): { status: number; body: unknown } {
    const form = new URLSearchParams(raw);
    const refuse = (status: number, error: string, description: string) => ({
      status,
      body: { error, error_description: description },
    });
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      return refuse(400, 'unsupported_grant_type', 'Invalid grant_type');
    }
    const [head = '', payload = '', signature = ''] = (form.get('assertion') ?? '').split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
      iss?: string;
      sub?: string;
      aud?: string;
      scope?: string;
      exp?: number;
    };
    const account = claims.iss ? this.serviceAccounts.get(claims.iss) : undefined;
    if (!account) return refuse(400, 'invalid_grant', 'Invalid JWT Signature.');
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${head}.${payload}`),
      account.publicKey,
      Buffer.from(signature, 'base64url'),
    );
    if (!signed) return refuse(400, 'invalid_grant', 'Invalid JWT Signature.');
    if (claims.aud !== 'https://oauth2.googleapis.com/token') return refuse(400, 'invalid_grant', 'Invalid JWT: aud');
    if (!claims.exp || claims.exp * 1000 < Date.now()) return refuse(400, 'invalid_grant', 'Invalid JWT: expired');
    const denied = claims.sub ? this.admins.get(claims.sub) : undefined;
    if (!denied) return refuse(400, 'invalid_grant', 'Invalid email or User ID');
    const scopes = (claims.scope ?? '').split(' ');
    if (!scopes.every((s) => account.scopes.includes(s))) {
      return refuse(
        401,
        'unauthorized_client',
        'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
      );
    }
    const accessToken = `ya29.${randomBytes(24).toString('base64url')}`;
    this.tokens.set(accessToken, denied);
    return { status: 200, body: { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' } };
  }

  private directory(method: string, url: URL, body: unknown, denied: Set<string>): { status: number; body?: unknown } {
    const forbidden = apiError(403, 'forbidden', 'Not Authorized to access this resource/api');
    const m = /^\/admin\/directory\/v1\/users(?:\/([^/]+)(\/signOut)?)?$/.exec(url.pathname);
    if (!m) return apiError(404, 'notFound', 'Not Found');
    const [, key, signOut] = m;
    if (!key) {
      if (method !== 'GET') return apiError(400, 'invalid', 'Invalid Input');
      if (denied.has('read')) return forbidden;
      if (url.searchParams.get('customer') !== 'my_customer') return apiError(400, 'badRequest', 'Bad Request');
      const max = Number(url.searchParams.get('maxResults') ?? 100);
      const query = url.searchParams.get('query');
      let users = [...this.users.values()];
      const address = query ? /^email:'([^'\\]*)'$/.exec(query) : null;
      if (address) {
        // `email:` looks through every address of the user, aliases included, for one that contains the value
        // (`value*`: that starts with it), without regard to case: looser than "this is the employee's address".
        const raw = (address[1] ?? '').toLowerCase();
        const prefix = raw.endsWith('*');
        const value = prefix ? raw.slice(0, -1) : raw;
        users = users.filter((u) =>
          [u.primaryEmail, ...u.aliases].some((a) =>
            prefix ? a.toLowerCase().startsWith(value) : a.toLowerCase().includes(value),
          ),
        );
      } else if (query) {
        const q = /^([A-Za-z]+(?:\.[A-Za-z0-9_]+)?)='([^']*)'$/.exec(query);
        if (!q) return apiError(400, 'invalid', `Invalid Input: ${query}`);
        const [, field = '', value = ''] = q;
        const lower = value.toLowerCase();
        users = users.filter((u) => {
          if (field === 'externalId') return u.externalIds.some((x) => x.value.toLowerCase() === lower);
          const [schema = '', name = ''] = field.split('.');
          return String(u.customSchemas?.[schema]?.[name] ?? '').toLowerCase() === lower;
        });
      }
      const full = url.searchParams.get('projection') === 'full';
      return {
        status: 200,
        body: {
          kind: 'admin#directory#users',
          users: users.slice(0, max).map((u) => this.userJson(u, full)),
        },
      };
    }
    // userKey: the id, or any address of the user (primary or alias), without regard to case.
    const userKey = decodeURIComponent(key).toLowerCase();
    const u =
      this.users.get(userKey) ??
      [...this.users.values()].find((x) => [x.primaryEmail, ...x.aliases].some((a) => a.toLowerCase() === userKey));
    if (!u) return apiError(404, 'notFound', 'Resource Not Found: userKey');
    if (signOut) {
      if (method !== 'POST') return apiError(400, 'invalid', 'Invalid Input');
      if (denied.has('signout')) return forbidden;
      u.signedOutAt = new Date().toISOString();
      return { status: 204 };
    }
    if (method === 'GET') {
      if (denied.has('read')) return forbidden;
      return { status: 200, body: this.userJson(u, false) };
    }
    if (method === 'PATCH') {
      if (denied.has('password')) return forbidden;
      const change = body as { password?: string; changePasswordAtNextLogin?: boolean };
      if (typeof change.password === 'string') {
        if (change.password.length < 8 || change.password.length > 100) {
          return apiError(400, 'invalid', 'Invalid Password');
        }
        u.password = change.password;
      }
      if (typeof change.changePasswordAtNextLogin === 'boolean') {
        u.changePasswordAtNextLogin = change.changePasswordAtNextLogin;
      }
      return { status: 200, body: this.userJson(u, false) };
    }
    return apiError(400, 'invalid', 'Invalid Input');
  }

  private userJson(u: FakeUser, full: boolean) {
    const { password: _secret, signedOutAt: _at, customSchemas, ...visible } = u;
    return { kind: 'admin#directory#user', ...visible, ...(full && customSchemas ? { customSchemas } : {}) };
  }
}
