import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEntraDirectory } from '../../src/adapters/entra/directory.js';
import type { EntraConfig } from '../../src/config/index.js';
import { ErrorCode } from '../../src/errors.js';
import type { DirectoryAccount } from '../../src/ports/index.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT, FakeEntra } from '../fakes/fake-entra.js';
import { appErrorOf } from '../helpers/app-error.js';

/**
 * The Entra adapter through the real @azure/identity and Graph client, over HTTPS (the test CA in
 * NODE_EXTRA_CA_CERTS), against a local tenant (test/fakes/fake-entra.ts).
 */
describe('Entra adapter (the official SDKs over the wire)', () => {
  let entra: FakeEntra;
  let n = 0;
  beforeAll(async () => {
    entra = await new FakeEntra().start();
  });
  afterAll(async () => {
    await entra.stop();
  });
  const config = (over: Partial<EntraConfig> = {}): EntraConfig => ({
    tenantId: FAKE_TENANT,
    clientId: FAKE_CLIENT_ID,
    credential: { kind: 'secret', secret: FAKE_CLIENT_SECRET },
    authorityHost: entra.url,
    graphUrl: entra.url,
    timeoutMs: 3000,
    ...over,
  });
  const person = (over: Partial<Parameters<FakeEntra['addUser']>[0]> = {}) => {
    const i = ++n;
    const code = `E-${i}${Date.now().toString(36).slice(-4)}`;
    const password = `Old-Pass-${i}-xyzzy`;
    const id = entra.addUser({
      upn: `emp${i}@example.com`,
      displayName: `Pat Example${i}`,
      employeeId: code,
      mobilePhone: '+1 500 555 0006',
      password,
      ...over,
    });
    return { id, code, password };
  };
  const one = async (code: string, dir = createEntraDirectory(config())): Promise<DirectoryAccount> => {
    const lookup = await dir.findByEmployeeCode(code);
    if (lookup.found !== 'one') throw new Error(`expected one account, got ${lookup.found}`);
    return lookup.account;
  };
  const failure = appErrorOf;

  it('gets an app-only token with the client secret, then finds the employee by employeeId', async () => {
    const p = person({ mail: 'Pat.Example@Example.com' });
    const dir = createEntraDirectory(config());
    await dir.verify();
    const [token] = entra.callsTo('POST', new RegExp(`^/${FAKE_TENANT}/oauth2/v2.0/token$`));
    expect(Object.fromEntries(new URLSearchParams(String(token?.body)))).toMatchObject({
      client_id: FAKE_CLIENT_ID,
      client_secret: FAKE_CLIENT_SECRET,
      grant_type: 'client_credentials',
      scope: `${entra.url}/.default`,
    });
    const before = entra.requests.length;
    expect(await one(p.code, dir)).toEqual({
      id: p.id,
      login: `emp${n}@example.com`,
      displayName: `Pat Example${n}`,
      employeeCode: p.code,
      email: 'Pat.Example@Example.com',
      mobiles: ['+1 500 555 0006'],
      disabled: false,
      locked: false,
    });
    const [search, roles] = entra.requests.slice(before);
    expect(search).toMatchObject({ method: 'GET', path: '/v1.0/users' });
    expect(search?.query.$filter).toBe(`employeeId eq '${p.code}'`);
    expect(search?.query.$select?.split(',')).toEqual(
      expect.arrayContaining(['employeeId', 'mail', 'mobilePhone', 'accountEnabled']),
    );
    expect(search?.authorization).toMatch(/^Bearer eyJ/);
    expect(roles?.path).toBe(`/v1.0/users/${p.id}/transitiveMemberOf/microsoft.graph.directoryRole`);
  });

  it('says none and many, keeps the exact case, and doubles quotes in the filter', async () => {
    const dir = createEntraDirectory(config());
    expect(await dir.findByEmployeeCode('E-NOBODY')).toEqual({ found: 'none' });
    const a = person();
    person({ employeeId: a.code });
    expect(await dir.findByEmployeeCode(a.code)).toEqual({ found: 'many', count: 2 });
    person({ employeeId: 'e-lower' });
    expect(await dir.findByEmployeeCode('E-LOWER')).toEqual({ found: 'none' });
    const before = entra.requests.length;
    expect(await dir.findByEmployeeCode("E-O'Neil")).toEqual({ found: 'none' });
    expect(entra.requests[before]?.query.$filter).toBe("employeeId eq 'E-O''Neil'");
  });

  it('finds by mail in a $filter, quotes doubled and the value percent-encoded; asks nothing for a non-address', async () => {
    const dir = createEntraDirectory(config());
    const p = person({ mail: `Pat.O'Hara+${n + 1}@Example.com` });
    const before = entra.requests.length;
    const found = await dir.findByEmail(`pat.o'hara+${n}@example.com`);
    expect(found.found === 'one' && found.account).toMatchObject({ id: p.id, email: `Pat.O'Hara+${n}@Example.com` });
    const [search] = entra.requests.slice(before).filter((r) => r.path === '/v1.0/users');
    // A `+` sent as it is would arrive as a space: the value is percent-encoded on the way.
    expect(search?.query.$filter).toBe(`mail eq 'pat.o''hara+${n}@example.com'`);
    const quiet = entra.requests.length;
    expect((await failure(dir.findByEmail('x@\u0000y.com'))).code).toBe(ErrorCode.InvalidEmail);
    expect(entra.requests.length).toBe(quiet);
  });

  it('reads directory roles (or the lack of the right to), disabled accounts and synced ones', async () => {
    const admin = person({ roles: ['Helpdesk Administrator'] });
    expect((await one(admin.code)).protection).toEqual({ reason: 'admin_role', what: 'Helpdesk Administrator' });
    const off = person({ accountEnabled: false });
    expect((await one(off.code)).disabled).toBe(true);
    // Roles transitiveMemberOf does not show: a custom or administrative-unit role, one through a role-assignable
    // group, and one the user may activate in PIM.
    const custom = person();
    entra.update(custom.id, { assigned: ['Password Reset Operator (custom)'] });
    expect((await one(custom.code)).protection).toEqual({
      reason: 'admin_role',
      what: 'Password Reset Operator (custom)',
    });
    const viaGroup = person();
    entra.update(viaGroup.id, { roleGroups: [{ id: 'group-1', assigned: ['User Administrator'] }] });
    expect((await one(viaGroup.code)).protection).toEqual({ reason: 'admin_role', what: 'User Administrator' });
    const eligible = person();
    entra.update(eligible.id, { eligible: ['Global Administrator'] });
    expect((await one(eligible.code)).protection).toEqual({
      reason: 'admin_role',
      what: 'Global Administrator (eligible)',
    });
    const synced = person({ synced: true });
    expect((await one(synced.code)).passwordManagedBy).toBe(
      'on-premises Active Directory (synced by Microsoft Entra Connect)',
    );
    entra.apps.set('bbbbbbbb-bbbb-cccc-dddd-eeeeeeeeeeee', { secret: 's3cret', denied: new Set(['roles']) });
    const blind = createEntraDirectory(
      config({ clientId: 'bbbbbbbb-bbbb-cccc-dddd-eeeeeeeeeeee', credential: { kind: 'secret', secret: 's3cret' } }),
    );
    expect((await one(person().code, blind)).protection).toEqual({ reason: 'admin_role', what: 'roles_unreadable' });
  });

  it('sets the password with the forced change in one PATCH, and reads the marker after', async () => {
    const p = person();
    const dir = createEntraDirectory(config());
    const account = await one(p.code, dir);
    const before = entra.requests.length;
    const receipt = await dir.setTemporaryPassword(account, 'Temp-Pass-4242-abcd');
    const [patch] = entra.requests.slice(before);
    expect(patch).toMatchObject({
      method: 'PATCH',
      path: `/v1.0/users/${p.id}`,
      body: { passwordProfile: { password: 'Temp-Pass-4242-abcd', forceChangePasswordNextSignIn: true } },
    });
    expect(entra.signIn(p.id, 'Temp-Pass-4242-abcd')).toBe('must_change');
    expect(entra.signIn(p.id, p.password)).toBe('invalid');
    const marker = await receipt.marker;
    expect(marker).toBe(entra.user(p.id).lastPasswordChangeDateTime);
    expect(await dir.passwordChangedSince(p.id, marker)).toEqual({ changed: false });
    entra.changeOwnPassword(p.id, 'My-Own-Choice-123');
    expect(await dir.passwordChangedSince(p.id, marker)).toEqual({
      changed: true,
      at: new Date(entra.user(p.id).lastPasswordChangeDateTime),
    });
  });

  it('scrambles with a random password, forced change kept, and revokes sign-in sessions', async () => {
    const p = person();
    const dir = createEntraDirectory(config());
    await dir.scramble(p.id);
    expect(entra.signIn(p.id, p.password)).toBe('invalid');
    expect(entra.user(p.id).forceChange).toBe(true);
    await dir.revokeSessions?.(p.id);
    expect(entra.callsTo('POST', new RegExp(`^/v1.0/users/${p.id}/revokeSignInSessions$`))).toHaveLength(1);
    expect(entra.user(p.id).sessionsRevokedAt).toBeDefined();
  });

  it('maps a refused password, a missing permission, a lost answer and a rate limit', async () => {
    const dir = createEntraDirectory(config());
    const p = person();
    const account = await one(p.code, dir);
    const weak = await failure(dir.setTemporaryPassword(account, 'alllowercaseletters'));
    expect(weak).toMatchObject({
      code: ErrorCode.DirectoryPolicyRejected,
      details: { providerCode: 'Request_BadRequest' },
    });
    expect(String(weak.details.causes)).toContain('password complexity');
    expect(JSON.stringify(weak.details)).not.toContain('alllowercaseletters');

    entra.apps.set('cccccccc-bbbb-cccc-dddd-eeeeeeeeeeee', { secret: 'ro', denied: new Set(['password']) });
    const readOnly = createEntraDirectory(
      config({ clientId: 'cccccccc-bbbb-cccc-dddd-eeeeeeeeeeee', credential: { kind: 'secret', secret: 'ro' } }),
    );
    const denied = await failure(readOnly.setTemporaryPassword(account, 'Temp-Pass-4242-deny'));
    expect(denied).toMatchObject({
      code: ErrorCode.DirectoryAccessDenied,
      details: { providerCode: 'Authorization_RequestDenied', httpStatus: 403 },
    });

    entra.failNext(new RegExp(`^PATCH /v1.0/users/${p.id}$`), { status: 204, delayMs: 5000, afterApply: true });
    const lost = await failure(dir.setTemporaryPassword(account, 'Temp-Pass-4242-lost'));
    expect(lost.code).toBe(ErrorCode.DirectoryOutcomeUnknown);

    entra.failNext(new RegExp(`^PATCH /v1.0/users/${p.id}$`), {
      status: 503,
      body: { error: { code: 'serviceNotAvailable', message: 'Service unavailable' } },
      afterApply: true,
    });
    const gateway = await failure(dir.setTemporaryPassword(account, 'Temp-Pass-4242-503'));
    expect(gateway.code).toBe(ErrorCode.DirectoryOutcomeUnknown);
    // Never sent again after a 503: one PATCH for that attempt.
    expect(entra.callsTo('PATCH', new RegExp(`^/v1.0/users/${p.id}$`)).length).toBe(4);

    const throttled = { status: 429, body: { error: { code: 'TooManyRequests', message: 'Too many requests' } } };
    entra.failNext(/^GET \/v1.0\/users$/, { ...throttled, headers: { 'Retry-After': '1' } });
    expect((await one(p.code, dir)).id).toBe(p.id);
    entra.failNext(new RegExp(`^PATCH /v1.0/users/${p.id}$`), { ...throttled, headers: { 'Retry-After': '30' } });
    const busy = await failure(dir.setTemporaryPassword(account, 'Temp-Pass-4242-busy'));
    expect(busy).toMatchObject({ code: ErrorCode.DirectoryWriteFailed, details: { reason: 'rate_limited' } });
  });

  it('calls a token request that never answers unavailable, not an unknown write: Graph was not asked', async () => {
    const p = person();
    const account = await one(p.code);
    const fresh = createEntraDirectory(config()); // no cached token yet
    entra.failNext(/\/oauth2\/v2\.0\/token$/, { status: 200, delayMs: 5000 });
    const patches = entra.callsTo('PATCH', new RegExp(p.id)).length;
    const err = await failure(fresh.setTemporaryPassword(account, 'Temp-Pass-4242-tok'));
    expect(err.code).toBe(ErrorCode.DirectoryUnavailable);
    expect(entra.callsTo('PATCH', new RegExp(p.id)).length).toBe(patches);
    expect(entra.signIn(p.id, p.password)).toBe('ok');
  });

  it('never follows a redirect with a password: the write fails where it was sent', async () => {
    const p = person();
    const dir = createEntraDirectory(config());
    const account = await one(p.code, dir);
    entra.failNext(new RegExp(`^PATCH /v1.0/users/${p.id}$`), {
      status: 307,
      headers: { Location: 'http://127.0.0.1:9/collect' },
    });
    const err = await failure(dir.setTemporaryPassword(account, 'Temp-Pass-4242-307'));
    expect(err).toMatchObject({ code: ErrorCode.DirectoryWriteFailed, details: { httpStatus: 307 } });
    expect(entra.signIn(p.id, p.password)).toBe('ok');
  });

  it('names the variable at start-up: a wrong secret, an unknown app or tenant, an unreachable Graph', async () => {
    await expect(
      createEntraDirectory(config({ credential: { kind: 'secret', secret: 'wrong' } })).verify(),
    ).rejects.toThrow(/^ENTRA_CLIENT_SECRET: Entra refused the app's secret \(AADSTS7000215/);
    await expect(
      createEntraDirectory(config({ clientId: 'dddddddd-bbbb-cccc-dddd-eeeeeeeeeeee' })).verify(),
    ).rejects.toThrow(/^ENTRA_CLIENT_ID: no such app in the tenant \(AADSTS700016\)/);
    await expect(
      createEntraDirectory(config({ tenantId: '99999999-2222-3333-4444-555555555555' })).verify(),
    ).rejects.toThrow(/^ENTRA_TENANT_ID \/ ENTRA_AUTHORITY_HOST: no sign-in metadata for this tenant/);
    await expect(createEntraDirectory(config({ graphUrl: 'https://127.0.0.1:9' })).verify()).rejects.toThrow(
      /^ENTRA_GRAPH_URL: cannot reach https:\/\/127\.0\.0\.1:9/,
    );
  });
});

describe('Entra adapter with a certificate instead of a secret', () => {
  it('signs a client assertion with the certificate’s key and reaches Graph with the token it gets', async () => {
    const entra = await new FakeEntra().start();
    const dir = mkdtempSync(join(tmpdir(), 'resetpw-entra-cert-'));
    try {
      const key = join(dir, 'app.key');
      const cert = join(dir, 'app.crt');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=resetpw',
          '-keyout',
          key,
          '-out',
          cert,
        ],
        { stdio: 'pipe' },
      );
      const pem = join(dir, 'app.pem'); // what ENTRA_CLIENT_CERTIFICATE_FILE names: the certificate and its key
      writeFileSync(pem, `${readFileSync(cert, 'utf8')}${readFileSync(key, 'utf8')}`, { mode: 0o600 });
      entra.apps.set('ffffffff-0000-4000-8000-000000000001', {
        certificate: readFileSync(cert, 'utf8'),
        denied: new Set(),
      });
      const id = entra.addUser({
        upn: 'cert@example.com',
        employeeId: 'E-CERT',
        mobilePhone: '+15005550006',
        password: 'Old-Pass-1x!',
      });
      const directory = createEntraDirectory({
        tenantId: FAKE_TENANT,
        clientId: 'ffffffff-0000-4000-8000-000000000001',
        credential: { kind: 'certificate', file: pem },
        authorityHost: entra.url,
        graphUrl: entra.url,
        timeoutMs: 3000,
      });
      await directory.verify();
      const [token] = entra.callsTo('POST', /\/oauth2\/v2\.0\/token$/);
      const form = Object.fromEntries(new URLSearchParams(String(token?.body)));
      expect(form).toMatchObject({
        client_id: 'ffffffff-0000-4000-8000-000000000001',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      });
      expect(form.client_secret).toBeUndefined();
      const lookup = await directory.findByEmployeeCode('E-CERT');
      expect(lookup.found === 'one' && lookup.account.id).toBe(id);

      // Another certificate's key is refused, naming the variables.
      const otherKey = join(dir, 'other.key');
      const otherCert = join(dir, 'other.crt');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=other',
          '-keyout',
          otherKey,
          '-out',
          otherCert,
        ],
        { stdio: 'pipe' },
      );
      const other = join(dir, 'other.pem');
      writeFileSync(other, `${readFileSync(otherCert, 'utf8')}${readFileSync(otherKey, 'utf8')}`);
      const wrong = createEntraDirectory({
        tenantId: FAKE_TENANT,
        clientId: 'ffffffff-0000-4000-8000-000000000001',
        credential: { kind: 'certificate', file: other },
        authorityHost: entra.url,
        graphUrl: entra.url,
        timeoutMs: 3000,
      });
      expect(() =>
        createEntraDirectory({
          tenantId: FAKE_TENANT,
          clientId: 'ffffffff-0000-4000-8000-000000000001',
          credential: { kind: 'certificate', file: cert },
          authorityHost: entra.url,
          graphUrl: entra.url,
          timeoutMs: 3000,
        }),
      ).toThrow(/^ENTRA_CLIENT_CERTIFICATE_FILE: .*app\.crt must hold the certificate and its private key/);
      await expect(wrong.verify()).rejects.toThrow(
        /^ENTRA_CLIENT_ID \/ ENTRA_CLIENT_CERTIFICATE_FILE: Entra refused the app's sign-in \(AADSTS700027/,
      );
    } finally {
      await entra.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
