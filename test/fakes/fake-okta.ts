import { createPublicKey, type KeyObject, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { FakeOktaFactors } from './fake-okta-factors.js';
import {
  answerer,
  answerFault,
  close,
  type Fault,
  listen,
  type RecordedRequest,
  recordRequest,
  sendJson,
  takeFault,
} from './http-util.js';

/**
 * A local Okta org for the real @okta/okta-sdk-nodejs: the Management API paths the bot uses, SSWS tokens, Okta's
 * error bodies (errorCode, errorSummary, errorCauses), rate limits with x-rate-limit-reset, and a password policy.
 * Records every request (method, path, query, auth header, body) so tests assert on what was sent. Employees sign in
 * through `signIn`, which answers as Okta's sign-in would: ok, must change, or refused.
 */

export type OktaRequest = RecordedRequest;

interface FakeUser {
  id: string;
  status: string;
  created: string;
  lastUpdated: string;
  passwordChanged: string | null;
  profile: Record<string, string | undefined>;
  provider: { type: string; name: string };
  password: string;
  /** Admin roles (label), assigned to the user or through a group. */
  roles: { label: string; type: string; assignmentType: 'USER' | 'GROUP' }[];
  sessions: number;
  /** Passwords used before (for strict=true's history rule). */
  history: string[];
}

export const FAKE_OKTA_TOKEN = '00fakeOktaApiToken0123456789abcdefABCDEF';

const now = () => new Date().toISOString();

function oktaError(status: number, errorCode: string, errorSummary: string, causes: string[] = []) {
  return {
    status,
    body: {
      errorCode,
      errorSummary,
      errorLink: errorCode,
      errorId: `oae${randomBytes(8).toString('hex')}`,
      errorCauses: causes.map((errorSummary) => ({ errorSummary })),
    },
  };
}

export class FakeOkta {
  readonly requests: OktaRequest[] = [];
  /**
   * API tokens, each with the operations its administrator's role does not allow (403 E0000006): 'roles', 'set',
   * 'expire', 'unlock', 'sessions', and of the factors 'factors' (list), 'verify' (push), 'poll'.
   */
  readonly tokens = new Map<string, Set<string>>([[FAKE_OKTA_TOKEN, new Set()]]);
  /**
   * OAuth service apps (client ID → the public half of their key, the scopes granted, and what their admin role does
   * not allow), signing in at /oauth2/v1/token with private_key_jwt.
   */
  readonly apps = new Map<string, { publicKey: KeyObject; scopes: readonly string[]; denied: Set<string> }>();
  /** Access tokens the token endpoint issued, with their app's denials. */
  readonly accessTokens = new Map<string, Set<string>>();
  /** The users' enrolled factors, Okta Verify's push and what the employee does with it (test/fakes/fake-okta-factors.ts). */
  readonly factors = new FakeOktaFactors(() => this.url, oktaError);
  /** The org's password policy as strict=true applies it. */
  minLength = 8;
  url = '';
  private readonly users = new Map<string, FakeUser>();
  private readonly faults: Fault[] = [];
  /** Rate limits that last: until `reset` (epoch seconds), every request matching answers 429. */
  private readonly limits: { match: RegExp; reset: number }[] = [];
  private seq = 0;
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { errorCode: 'E0000009', errorSummary: String(err) });
      });
    });
  }

  async start(): Promise<this> {
    this.url = await listen(this.server);
    return this;
  }

  stop(): Promise<void> {
    return close(this.server);
  }

  /** Adds an active user with a password; returns the user id. */
  addUser(spec: {
    login: string;
    /** profile.email, which Okta's base profile requires: the login when not given. */
    email?: string;
    employeeNumber?: string;
    firstName?: string;
    lastName?: string;
    displayName?: string;
    mobilePhone?: string;
    password: string;
    status?: string;
    provider?: string;
  }): string {
    const id = `00u${(++this.seq).toString().padStart(4, '0')}${randomBytes(5).toString('hex')}`;
    this.users.set(id, {
      id,
      status: spec.status ?? 'ACTIVE',
      created: now(),
      lastUpdated: now(),
      passwordChanged: now(),
      profile: {
        login: spec.login,
        email: spec.email ?? spec.login,
        firstName: spec.firstName ?? spec.login.split('@')[0],
        lastName: spec.lastName ?? 'Example',
        displayName: spec.displayName,
        employeeNumber: spec.employeeNumber,
        mobilePhone: spec.mobilePhone,
      },
      provider: { type: spec.provider ?? 'OKTA', name: spec.provider ?? 'OKTA' },
      password: spec.password,
      roles: [],
      sessions: 1,
      history: [spec.password],
    });
    return id;
  }

  user(id: string): Readonly<FakeUser> {
    const u = this.users.get(id);
    if (!u) throw new Error(`no user ${id}`);
    return u;
  }

  /** Changes a user as an Okta administrator would in the admin console. */
  update(id: string, change: Partial<Pick<FakeUser, 'status' | 'roles' | 'provider'>> & { mobilePhone?: string }) {
    const u = this.users.get(id);
    if (!u) throw new Error(`no user ${id}`);
    if (change.status) u.status = change.status;
    if (change.roles) u.roles = change.roles;
    if (change.provider) u.provider = change.provider;
    if (change.mobilePhone !== undefined) u.profile.mobilePhone = change.mobilePhone;
    u.lastUpdated = now();
  }

  /** What Okta's sign-in says to this password. */
  signIn(id: string, password: string): 'ok' | 'must_change' | 'invalid' {
    const u = this.users.get(id);
    if (!u || u.password !== password) return 'invalid';
    if (u.status === 'ACTIVE') return 'ok';
    if (u.status === 'PASSWORD_EXPIRED') return 'must_change';
    return 'invalid';
  }

  /** The employee changes an expired password at sign-in. */
  changeOwnPassword(id: string, password: string): void {
    const u = this.user(id) as FakeUser;
    u.password = password;
    u.history.push(password);
    u.status = 'ACTIVE';
    u.passwordChanged = new Date(Date.now() + 1000).toISOString();
  }

  /** The next request matching `METHOD /path` gets this answer instead. */
  failNext(match: RegExp, fault: Omit<Fault, 'match'>): void {
    this.faults.push({ match, ...fault });
  }

  /** The next `count` requests (matching `METHOD /path`) answer 429 with Okta's rate-limit headers. */
  /**
   * For `resetInS` seconds from now, every request matching `METHOD /path` answers 429 with that reset time, as
   * Okta's limits do until they free up: a client that does not wait for x-rate-limit-reset keeps getting 429s.
   */
  rateLimitFor(resetInS: number, match: RegExp): void {
    this.limits.push({ match, reset: Math.floor(Date.now() / 1000) + resetInS });
  }

  rateLimitNext(count: number, resetInS = 1, match = /./): void {
    for (let i = 0; i < count; i++) {
      this.faults.push({
        match,
        ...oktaError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.'),
        headers: {
          'x-rate-limit-limit': '600',
          'x-rate-limit-remaining': '0',
          'x-rate-limit-reset': String(Math.floor(Date.now() / 1000) + resetInS),
        },
      });
    }
  }

  callsTo(method: string, path: RegExp): OktaRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  private userJson(u: FakeUser) {
    return {
      id: u.id,
      status: u.status,
      created: u.created,
      activated: u.created,
      statusChanged: u.lastUpdated,
      lastLogin: null,
      lastUpdated: u.lastUpdated,
      passwordChanged: u.passwordChanged,
      type: { id: 'oty1' },
      profile: Object.fromEntries(Object.entries(u.profile).filter(([, v]) => v !== undefined)),
      credentials: { password: {}, provider: u.provider },
      _links: { self: { href: `${this.url}/api/v1/users/${u.id}` } },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { url, method, raw, recorded } = await recordRequest(req, this.url);
    const body = recorded.body;
    this.requests.push(recorded);
    const answer = answerer(res, () => ({ date: new Date().toUTCString() }));
    const limit = this.limits.find((l) => l.match.test(`${method} ${url.pathname}`) && l.reset * 1000 > Date.now());
    if (limit) {
      return answer(oktaError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.'), {
        'x-rate-limit-limit': '600',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(limit.reset),
      });
    }
    const fault = takeFault(this.faults, method, url.pathname);
    if (fault && !fault.afterApply) return answerFault(fault, answer);
    if (method === 'POST' && url.pathname === '/oauth2/v1/token') return answer(this.issueToken(raw));
    const [, scheme, token] = /^(SSWS|Bearer|DPoP) (.+)$/.exec(String(req.headers.authorization ?? '')) ?? [];
    const denied = token ? (scheme === 'SSWS' ? this.tokens : this.accessTokens).get(token) : undefined;
    if (!denied) return answer(oktaError(401, 'E0000011', 'Invalid token provided'));

    const userAgent = String(req.headers['user-agent'] ?? '');
    const result = this.route(method, url, { body, userAgent }, denied);
    if (fault?.afterApply) return answerFault(fault, answer);
    return answer(result);
  }

  /** client_credentials with a client_assertion JWT (RS256) signed by a registered app's key. */
  private issueToken(raw: string): { status: number; body: unknown } {
    const form = new URLSearchParams(raw);
    const refuse = (error: string, description: string) => ({
      status: error === 'invalid_scope' ? 400 : 401,
      body: { error, error_description: description },
    });
    if (form.get('grant_type') !== 'client_credentials') return refuse('unsupported_grant_type', 'grant_type');
    const [head = '', payload = '', signature = ''] = (form.get('client_assertion') ?? '').split('.');
    let claims: { iss?: string; sub?: string; aud?: string; exp?: number };
    let alg: string | undefined;
    try {
      alg = (JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string }).alg;
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as typeof claims;
    } catch {
      return refuse('invalid_client', 'The client_assertion is not a JWT.');
    }
    const app = claims.iss ? this.apps.get(claims.iss) : undefined;
    if (!app || claims.sub !== claims.iss) return refuse('invalid_client', 'The client_id is not known.');
    const signed =
      alg === 'RS256' &&
      verify('RSA-SHA256', Buffer.from(`${head}.${payload}`), app.publicKey, Buffer.from(signature, 'base64url'));
    if (!signed) return refuse('invalid_client', 'The client_assertion signature is invalid.');
    if (claims.aud !== `${this.url}/oauth2/v1/token`) return refuse('invalid_client', 'The audience claim is invalid.');
    if (!claims.exp || claims.exp * 1000 < Date.now()) return refuse('invalid_client', 'The client_assertion expired.');
    const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const missing = scopes.filter((s) => !app.scopes.includes(s));
    if (missing.length > 0)
      return refuse('invalid_scope', `The following scopes are not granted: ${missing.join(', ')}`);
    const accessToken = `at${randomBytes(16).toString('hex')}`;
    this.accessTokens.set(accessToken, app.denied);
    return {
      status: 200,
      body: { token_type: 'Bearer', expires_in: 3600, access_token: accessToken, scope: scopes.join(' ') },
    };
  }

  /** Registers a service app by the PEM of its public key. */
  addApp(clientId: string, publicKeyPem: string, scopes: readonly string[], denied: readonly string[] = []): void {
    this.apps.set(clientId, { publicKey: createPublicKey(publicKeyPem), scopes, denied: new Set(denied) });
  }

  private route(
    method: string,
    url: URL,
    { body, userAgent }: { body: unknown; userAgent: string },
    denied: Set<string>,
  ): { status: number; body?: unknown } {
    const forbidden = oktaError(403, 'E0000006', 'You do not have permission to perform the requested action');
    const m = /^\/api\/v1\/users(?:\/([^/]+)(\/.*)?)?$/.exec(url.pathname);
    if (!m) return oktaError(404, 'E0000022', 'The endpoint does not support the provided HTTP method');
    const [, id, rest = ''] = m;
    if (!id) {
      if (method !== 'GET') return oktaError(405, 'E0000022', 'The endpoint does not support the provided HTTP method');
      return { status: 200, body: this.search(url.searchParams).map((u) => this.userJson(u)) };
    }
    const u = this.users.get(id);
    if (!u) return oktaError(404, 'E0000007', `Not found: Resource not found: ${id} (User)`);
    const factors = this.factors.route(method, id, rest, { body, userAgent, denied });
    if (factors) return factors;
    const op = `${method} ${rest}`;
    switch (op) {
      case 'GET ':
        return { status: 200, body: this.userJson(u) };
      case 'GET /roles':
        if (denied.has('roles')) return forbidden;
        return {
          status: 200,
          body: u.roles.map((r, i) => ({
            id: `ra${i}`,
            status: 'ACTIVE',
            created: u.created,
            lastUpdated: u.created,
            ...r,
          })),
        };
      case 'POST ': {
        if (denied.has('set')) return forbidden;
        const value = (body as { credentials?: { password?: { value?: string } } })?.credentials?.password?.value;
        if (typeof value !== 'string') return oktaError(400, 'E0000001', 'Api validation failed: credentials');
        const problems: string[] = [];
        if (value.length < this.minLength) {
          problems.push(`password: Password requirements: at least ${this.minLength} characters.`);
        }
        if (url.searchParams.get('strict') === 'true' && u.history.includes(value)) {
          problems.push('password: Password has been used too recently');
        }
        if (problems.length > 0) return oktaError(400, 'E0000001', 'Api validation failed: password', problems);
        u.password = value;
        u.history.push(value);
        u.passwordChanged = now();
        u.lastUpdated = now();
        if (u.status === 'PASSWORD_EXPIRED') u.status = 'ACTIVE';
        return { status: 200, body: this.userJson(u) };
      }
      case 'POST /lifecycle/expire_password':
        if (denied.has('expire')) return forbidden;
        u.status = 'PASSWORD_EXPIRED';
        u.lastUpdated = now();
        return { status: 200, body: this.userJson(u) };
      case 'POST /lifecycle/unlock':
        if (denied.has('unlock')) return forbidden;
        if (u.status !== 'LOCKED_OUT') return oktaError(403, 'E0000032', 'Unlock is not allowed for this user');
        u.status = 'ACTIVE';
        return { status: 200, body: {} };
      case 'DELETE /sessions':
        if (denied.has('sessions')) return forbidden;
        u.sessions = 0;
        return { status: 204 };
      default:
        return oktaError(404, 'E0000022', `The endpoint does not support ${op}`);
    }
  }

  /** `search=profile.X eq "v"` (Okta compares case-insensitively), or every user; `limit` caps the page. */
  private search(params: URLSearchParams): FakeUser[] {
    const all = [...this.users.values()];
    const search = params.get('search');
    const limit = Number(params.get('limit') ?? 200);
    if (!search) return all.slice(0, limit);
    const m = /^profile\.(\w+) eq "((?:[^"\\]|\\.)*)"$/.exec(search);
    if (!m) throw new Error(`fake Okta cannot read the search ${search}`);
    const [, attribute = '', quoted = ''] = m;
    const value = quoted.replace(/\\(.)/g, '$1').toLowerCase();
    return all.filter((u) => (u.profile[attribute] ?? '').toLowerCase() === value).slice(0, limit);
  }
}
