import { constants, createPublicKey, randomBytes, randomUUID, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
 * A local Microsoft Entra tenant for the real @azure/identity and Graph client, over HTTPS with the test CA (see
 * test/setup/cloud-tls.ts): the authority's metadata and client-credentials token endpoint, and the Graph v1.0 paths
 * the bot uses, with Graph's error bodies ({error: {code, message}}). Records every request (method, path, query,
 * auth header, body). Employees sign in through `signIn`.
 */

export type EntraRequest = RecordedRequest;

interface FakeUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  employeeId?: string;
  mail?: string;
  mobilePhone?: string;
  accountEnabled: boolean;
  onPremisesSyncEnabled: boolean | null;
  lastPasswordChangeDateTime: string;
  password: string;
  forceChange: boolean;
  /** Directory roles (display names), active through the user or a role-assignable group. */
  roles: string[];
  /** Role assignments at any scope (custom roles, administrative units), seen only in roleManagement. */
  assigned: string[];
  /** Roles the user may activate in Privileged Identity Management. */
  eligible: string[];
  /** Role-assignable groups the user is in, with the roles assigned to each group. */
  roleGroups: { id: string; assigned: string[] }[];
  sessionsRevokedAt?: string;
}

export const FAKE_TENANT = '11111111-2222-3333-4444-555555555555';
export const FAKE_CLIENT_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
export const FAKE_CLIENT_SECRET = 'fake~Entra~Secret~0123456789abcdefXYZ';

const graphError = (status: number, code: string, message: string) => ({
  status,
  body: { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': randomUUID() } } },
});

export class FakeEntra {
  readonly requests: EntraRequest[] = [];
  /**
   * App registrations: client ID → its secret or its certificate (PEM, for private_key_jwt client assertions), and
   * what its permissions or role do not allow.
   */
  readonly apps = new Map<string, { secret?: string; certificate?: string; denied: Set<string> }>([
    [FAKE_CLIENT_ID, { secret: FAKE_CLIENT_SECRET, denied: new Set() }],
  ]);
  /** Access tokens issued, with their app's denials ('read', 'roles', 'password', 'revoke'). */
  private readonly tokens = new Map<string, Set<string>>();
  url = '';
  private readonly users = new Map<string, FakeUser>();
  private readonly faults: Fault[] = [];
  private readonly server: Server;

  constructor() {
    const dir = process.env.RESETPW_TEST_TLS_DIR;
    if (!dir) throw new Error('RESETPW_TEST_TLS_DIR is not set: test/setup/cloud-tls.ts makes the certificates');
    this.server = createServer(
      { key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) },
      (req, res) => {
        this.handle(req, res).catch((err: unknown) => {
          if (!res.headersSent) sendJson(res, 500, graphError(500, 'generalException', String(err)).body);
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

  addUser(spec: {
    upn: string;
    displayName?: string;
    employeeId?: string;
    mail?: string;
    mobilePhone?: string;
    password: string;
    accountEnabled?: boolean;
    synced?: boolean;
    roles?: string[];
  }): string {
    const id = randomUUID();
    this.users.set(id, {
      id,
      userPrincipalName: spec.upn,
      displayName: spec.displayName ?? spec.upn,
      ...(spec.employeeId ? { employeeId: spec.employeeId } : {}),
      ...(spec.mail ? { mail: spec.mail } : {}),
      ...(spec.mobilePhone ? { mobilePhone: spec.mobilePhone } : {}),
      accountEnabled: spec.accountEnabled ?? true,
      onPremisesSyncEnabled: spec.synced ? true : null,
      lastPasswordChangeDateTime: new Date(Date.now() - 86_400_000).toISOString(),
      password: spec.password,
      forceChange: false,
      roles: spec.roles ?? [],
      assigned: [],
      eligible: [],
      roleGroups: [],
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
    change: Partial<
      Pick<FakeUser, 'accountEnabled' | 'roles' | 'mobilePhone' | 'assigned' | 'eligible' | 'roleGroups'>
    >,
  ): void {
    Object.assign(this.user(id), change);
  }

  signIn(id: string, password: string): 'ok' | 'must_change' | 'invalid' {
    const u = this.users.get(id);
    if (!u?.accountEnabled || u.password !== password) return 'invalid';
    return u.forceChange ? 'must_change' : 'ok';
  }

  changeOwnPassword(id: string, password: string): void {
    const u = this.user(id) as FakeUser;
    u.password = password;
    u.forceChange = false;
    u.lastPasswordChangeDateTime = new Date(Date.now() + 1000).toISOString();
  }

  failNext(match: RegExp, fault: Omit<Fault, 'match'>): void {
    this.faults.push({ match, ...fault });
  }

  callsTo(method: string, path: RegExp): EntraRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { url, method, raw, recorded } = await recordRequest(req, this.url);
    const body = recorded.body;
    this.requests.push(recorded);
    const answer = answerer(res);
    const fault = takeFault(this.faults, method, url.pathname);
    if (fault && !fault.afterApply) return answerFault(fault, answer);

    const authority = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token)$/.exec(
      url.pathname,
    );
    if (authority) return answer(this.authority(authority[1] ?? '', authority[2] ?? '', raw));

    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const denied = token ? this.tokens.get(token) : undefined;
    if (!denied) {
      return answer(graphError(401, 'InvalidAuthenticationToken', 'Access token is empty or invalid.'));
    }
    const result = this.graph(method, url, body, denied);
    if (fault?.afterApply) return answerFault(fault, answer);
    return answer(result);
  }

  private authority(tenant: string, what: string, raw: string): { status: number; body: unknown } {
    if (tenant !== FAKE_TENANT) {
      return {
        status: 400,
        body: {
          error: 'invalid_request',
          error_description: `AADSTS90002: Tenant '${tenant}' not found.`,
          error_codes: [90002],
        },
      };
    }
    if (what.startsWith('v2.0')) {
      const base = `${this.url}/${tenant}`;
      return {
        status: 200,
        body: {
          token_endpoint: `${base}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          issuer: `${base}/v2.0`,
          jwks_uri: `${base}/discovery/v2.0/keys`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          tenant_region_scope: 'EU',
          cloud_instance_name: 'microsoftonline.com',
        },
      };
    }
    const form = new URLSearchParams(raw);
    const app = this.apps.get(form.get('client_id') ?? '');
    const fail = (code: number, error: string, description: string) => ({
      status: error === 'invalid_client' ? 401 : 400,
      body: { error, error_description: `AADSTS${code}: ${description}`, error_codes: [code] },
    });
    if (!app) return fail(700016, 'unauthorized_client', 'Application was not found in the directory.');
    const assertion = form.get('client_assertion');
    if (assertion !== null) {
      const problem = app.certificate ? this.checkAssertion(assertion, app.certificate, tenant) : 'no certificate';
      if (problem) return fail(700027, 'invalid_client', `Client assertion failed signature validation (${problem}).`);
    } else if (!app.secret || form.get('client_secret') !== app.secret) {
      return fail(7000215, 'invalid_client', 'Invalid client secret provided.');
    }
    const accessToken = `eyJ0eXAiOiJKV1QifQ.${randomBytes(24).toString('base64url')}.sig`;
    this.tokens.set(accessToken, app.denied);
    return {
      status: 200,
      body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken },
    };
  }

  /** A client assertion signed with the certificate's key (RS256 or PS256), for this tenant's token endpoint. */
  private checkAssertion(jwt: string, certificate: string, tenant: string): string | undefined {
    const [head = '', payload = '', signature = ''] = jwt.split('.');
    const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string };
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { aud?: string; exp?: number };
    const key = createPublicKey(certificate);
    const data = Buffer.from(`${head}.${payload}`);
    const sig = Buffer.from(signature, 'base64url');
    const ok =
      header.alg === 'RS256'
        ? verify('RSA-SHA256', data, key, sig)
        : header.alg === 'PS256'
          ? verify('RSA-SHA256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig)
          : false;
    if (!ok) return `signature (${header.alg})`;
    if (claims.aud !== `${this.url}/${tenant}/oauth2/v2.0/token`) return `audience ${claims.aud}`;
    if (!claims.exp || claims.exp * 1000 < Date.now()) return 'expired';
    return undefined;
  }

  private graph(method: string, url: URL, body: unknown, denied: Set<string>): { status: number; body?: unknown } {
    const forbidden = graphError(
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
    );
    const rm = /^\/v1\.0\/roleManagement\/directory\/(roleAssignments|roleEligibilitySchedules)$/.exec(url.pathname);
    if (rm) {
      if (denied.has('roles')) return forbidden;
      const list = /^principalId in \((.*)\)$/.exec(url.searchParams.get('$filter') ?? '');
      if (!list) return graphError(400, 'BadRequest', 'Unsupported filter');
      const ids = [...(list[1] ?? '').matchAll(/'((?:[^']|'')*)'/g)].map((x) => (x[1] ?? '').replace(/''/g, "'"));
      const value: unknown[] = [];
      for (const u of this.users.values()) {
        const names =
          rm[1] === 'roleAssignments'
            ? [
                ...(ids.includes(u.id) ? u.assigned : []),
                ...u.roleGroups.filter((g) => ids.includes(g.id)).flatMap((g) => g.assigned),
              ]
            : ids.includes(u.id)
              ? u.eligible
              : [];
        for (const displayName of names) value.push({ id: randomUUID(), roleDefinition: { displayName } });
      }
      return { status: 200, body: { value } };
    }
    const m = /^\/v1\.0\/users(?:\/([^/]+)(\/.*)?)?$/.exec(url.pathname);
    if (!m) return graphError(400, 'BadRequest', `Resource not found for the segment '${url.pathname}'.`);
    const [, id, rest = ''] = m;
    const select = (u: FakeUser) => {
      const fields = (url.searchParams.get('$select') ?? 'id,userPrincipalName,displayName,mobilePhone').split(',');
      return Object.fromEntries(fields.map((f) => [f, (u as unknown as Record<string, unknown>)[f] ?? null]));
    };
    if (!id) {
      if (denied.has('read')) return forbidden;
      const filter = url.searchParams.get('$filter');
      const top = Number(url.searchParams.get('$top') ?? 100);
      let users = [...this.users.values()];
      if (filter) {
        // `eq` on a string property, which Graph compares without regard to case; a quote inside is doubled.
        const f = /^(employeeId|mail) eq '((?:[^']|'')*)'$/.exec(filter);
        if (!f) return graphError(400, 'Request_UnsupportedQuery', `Unsupported query: ${filter}`);
        const property = f[1] as 'employeeId' | 'mail';
        const value = (f[2] ?? '').replace(/''/g, "'").toLowerCase();
        users = users.filter((u) => (u[property] ?? '').toLowerCase() === value);
      }
      return { status: 200, body: { '@odata.context': 'users', value: users.slice(0, top).map(select) } };
    }
    const u = this.users.get(decodeURIComponent(id));
    if (!u) {
      return graphError(
        404,
        'Request_ResourceNotFound',
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    }
    switch (`${method} ${rest}`) {
      case 'GET ':
        if (denied.has('read')) return forbidden;
        return { status: 200, body: select(u) };
      case 'GET /transitiveMemberOf/microsoft.graph.group':
        if (denied.has('roles')) return forbidden;
        return { status: 200, body: { value: u.roleGroups.map((g) => ({ id: g.id, isAssignableToRole: true })) } };
      case 'GET /transitiveMemberOf/microsoft.graph.directoryRole':
        if (denied.has('roles')) return forbidden;
        return {
          status: 200,
          body: {
            value: u.roles.map((displayName) => ({ id: randomUUID(), displayName, roleTemplateId: randomUUID() })),
          },
        };
      case 'PATCH ': {
        if (denied.has('password')) return forbidden;
        const profile = (body as { passwordProfile?: { password?: string; forceChangePasswordNextSignIn?: boolean } })
          ?.passwordProfile;
        if (!profile?.password)
          return graphError(400, 'Request_BadRequest', 'Invalid value specified for property passwordProfile.');
        if (u.onPremisesSyncEnabled) {
          return graphError(
            400,
            'Request_BadRequest',
            'Unable to update the specified properties for on-premises mastered Directory Sync objects.',
          );
        }
        const p = profile.password;
        const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(p)).length;
        if (p.length < 8 || classes < 3) {
          return graphError(
            400,
            'Request_BadRequest',
            'The specified password does not comply with password complexity requirements. Please provide a different password.',
          );
        }
        u.password = p;
        u.forceChange = profile.forceChangePasswordNextSignIn === true;
        u.lastPasswordChangeDateTime = new Date().toISOString();
        return { status: 204 };
      }
      case 'POST /revokeSignInSessions':
        if (denied.has('revoke')) return forbidden;
        u.sessionsRevokedAt = new Date().toISOString();
        return { status: 200, body: { '@odata.context': 'Edm.Boolean', value: true } };
      default:
        return graphError(400, 'BadRequest', `Unsupported ${method} ${rest}`);
    }
  }
}
