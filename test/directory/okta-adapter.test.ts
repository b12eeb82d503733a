import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOktaDirectory } from '../../src/adapters/okta/directory.js';
import { ErrorCode } from '../../src/errors.js';
import type { Directory, DirectoryAccount } from '../../src/ports/index.js';
import { FAKE_OKTA_TOKEN, FakeOkta } from '../fakes/fake-okta.js';
import { appErrorOf } from '../helpers/app-error.js';

/**
 * The Okta adapter through the real @okta/okta-sdk-nodejs against a local Okta (test/fakes/fake-okta.ts): what it
 * sends, what it makes of the answers, and what the employee's sign-in says afterwards.
 */
describe('Okta adapter (the official SDK over the wire)', () => {
  let okta: FakeOkta;
  let dir: Directory;
  let n = 0;
  beforeAll(async () => {
    okta = await new FakeOkta().start();
    dir = createOktaDirectory({ orgUrl: okta.url, auth: { kind: 'token', token: FAKE_OKTA_TOKEN }, timeoutMs: 2000 });
  });
  afterAll(async () => {
    await okta.stop();
  });

  const person = (over: Partial<Parameters<FakeOkta['addUser']>[0]> = {}) => {
    const i = ++n;
    const code = `E-${i}${Date.now().toString(36).slice(-4)}`;
    const password = `Old-Pass-${i}-xyzzy`;
    const id = okta.addUser({
      login: `emp${i}@example.com`,
      employeeNumber: code,
      firstName: 'Pat',
      lastName: `Example${i}`,
      mobilePhone: '+1 500 555 0006',
      password,
      ...over,
    });
    return { id, code, password };
  };
  const one = async (code: string): Promise<DirectoryAccount> => {
    const lookup = await dir.findByEmployeeCode(code);
    if (lookup.found !== 'one') throw new Error(`expected one account, got ${lookup.found}`);
    return lookup.account;
  };
  const failure = appErrorOf;

  it('finds an employee by employeeNumber with an SSWS token, and reads the account as the port describes it', async () => {
    const p = person({ displayName: 'Jane Q. Doe', email: ' Jane.Doe@Example.com ' });
    const before = okta.requests.length;
    expect(await one(p.code)).toEqual({
      id: p.id,
      login: `emp${n}@example.com`,
      displayName: 'Jane Q. Doe',
      employeeCode: p.code,
      email: 'Jane.Doe@Example.com',
      mobiles: ['+1 500 555 0006'],
      disabled: false,
      locked: false,
    });
    const [search, roles] = okta.requests.slice(before);
    expect(search).toMatchObject({
      method: 'GET',
      path: '/api/v1/users',
      query: { search: `profile.employeeNumber eq "${p.code}"`, limit: '10' },
      authorization: `SSWS ${FAKE_OKTA_TOKEN}`,
    });
    expect(roles).toMatchObject({ method: 'GET', path: `/api/v1/users/${p.id}/roles` });
  });

  it('says none, many, and keeps a code with quotes inside its string', async () => {
    expect(await dir.findByEmployeeCode('E-NOBODY')).toEqual({ found: 'none' });
    const a = person();
    person({ employeeNumber: a.code });
    expect(await dir.findByEmployeeCode(a.code)).toEqual({ found: 'many', count: 2 });
    // Okta compares case-insensitively; the bot wants the code exactly as the directory holds it.
    person({ employeeNumber: 'e-casey' });
    expect(await dir.findByEmployeeCode('E-CASEY')).toEqual({ found: 'none' });
    const before = okta.requests.length;
    expect(await dir.findByEmployeeCode('E-"x\\')).toEqual({ found: 'none' });
    expect(okta.requests[before]?.query.search).toBe('profile.employeeNumber eq "E-\\"x\\\\"');
  });

  it('finds by profile.email in a quoted search, without regard to case; asks nothing for a non-address', async () => {
    const p = person({ email: `Sam.Quote${n + 1}"x@Example.com` });
    const email = String(okta.user(p.id).profile.email);
    const before = okta.requests.length;
    const found = await dir.findByEmail(email.toUpperCase());
    expect(found.found === 'one' && found.account.id).toBe(p.id);
    expect(okta.requests[before]?.query).toMatchObject({
      search: `profile.email eq "${email.toUpperCase().replace('"', '\\"')}"`,
      limit: '10',
    });
    const quiet = okta.requests.length;
    expect((await failure(dir.findByEmail('not an address'))).code).toBe(ErrorCode.InvalidEmail);
    expect(okta.requests.length).toBe(quiet);
  });

  it('reads what blocks a reset: admin roles (or roles it may not read), suspension, lockout, activation, where the password lives', async () => {
    const admin = person();
    okta.update(admin.id, {
      roles: [{ label: 'Help Desk Administrator', type: 'HELP_DESK_ADMIN', assignmentType: 'GROUP' }],
    });
    expect((await one(admin.code)).protection).toEqual({ reason: 'admin_role', what: 'Help Desk Administrator' });

    const suspended = person({ status: 'SUSPENDED' });
    expect((await one(suspended.code)).disabled).toBe(true);
    const deprovisioned = person({ status: 'DEPROVISIONED' });
    expect((await one(deprovisioned.code)).disabled).toBe(true);
    const locked = person({ status: 'LOCKED_OUT' });
    expect(await one(locked.code)).toMatchObject({ locked: true, disabled: false });
    const staged = person({ status: 'STAGED' });
    expect((await one(staged.code)).loginBlocked).toBe('not_activated');
    const fromAd = person({ provider: 'ACTIVE_DIRECTORY' });
    expect((await one(fromAd.code)).passwordManagedBy).toBe('Active Directory (through the Okta AD agent)');
    const federated = person({ provider: 'FEDERATION' });
    expect((await one(federated.code)).passwordManagedBy).toMatch(/federated/);

    const blind = createOktaDirectory({
      orgUrl: okta.url,
      auth: { kind: 'token', token: 'blind-token' },
      timeoutMs: 2000,
    });
    okta.tokens.set('blind-token', new Set(['roles']));
    const seen = await blind.findByEmployeeCode(person().code);
    expect(seen.found === 'one' && seen.account.protection).toEqual({ reason: 'admin_role', what: 'roles_unreadable' });
  });

  it('sets the password with strict=true, then expires it: the employee must change it at sign-in', async () => {
    const p = person();
    const account = await one(p.code);
    const before = okta.requests.length;
    const receipt = await dir.setTemporaryPassword(account, 'Temp-Pass-4242-abcd');
    const [set, expire] = okta.requests.slice(before);
    expect(set).toMatchObject({
      method: 'POST',
      path: `/api/v1/users/${p.id}`,
      query: { strict: 'true' },
      body: { credentials: { password: { value: 'Temp-Pass-4242-abcd' } } },
    });
    expect(expire).toMatchObject({ method: 'POST', path: `/api/v1/users/${p.id}/lifecycle/expire_password` });
    expect(okta.requests.slice(before).some((r) => r.path.includes('expire_password_with_temp_password'))).toBe(false);
    expect(okta.signIn(p.id, 'Temp-Pass-4242-abcd')).toBe('must_change');
    expect(okta.signIn(p.id, p.password)).toBe('invalid');
    expect(await receipt.marker).toBe(okta.user(p.id).passwordChanged);
    expect(receipt.unlocked).toBe(false);
  });

  it('unlocks a locked-out account before the set', async () => {
    const p = person({ status: 'LOCKED_OUT' });
    const receipt = await dir.setTemporaryPassword(await one(p.code), 'Temp-Pass-4242-lock');
    expect(okta.callsTo('POST', new RegExp(`/users/${p.id}/lifecycle/unlock$`))).toHaveLength(1);
    expect(receipt.unlocked).toBe(true);
    expect(okta.signIn(p.id, 'Temp-Pass-4242-lock')).toBe('must_change');
  });

  it('tells whether the employee chose their own password since, reading past the SDK cache', async () => {
    const p = person();
    const receipt = await dir.setTemporaryPassword(await one(p.code), 'Temp-Pass-4242-mine');
    const marker = await receipt.marker;
    expect(await dir.passwordChangedSince(p.id, marker)).toEqual({ changed: false });
    okta.changeOwnPassword(p.id, 'My-Own-Choice-123');
    expect(await dir.passwordChangedSince(p.id, marker)).toEqual({
      changed: true,
      at: new Date(String(okta.user(p.id).passwordChanged)),
    });
    expect(okta.callsTo('GET', new RegExp(`/users/${p.id}$`))).toHaveLength(2);
  });

  it('scrambles without strict (a minimum age must not keep a password alive) and keeps the forced change', async () => {
    const p = person();
    await dir.setTemporaryPassword(await one(p.code), 'Temp-Pass-4242-scr');
    const before = okta.requests.length;
    await dir.scramble(p.id);
    const [set, expire] = okta.requests.slice(before);
    expect(set?.query.strict).toBe('false');
    const scrambled = (set?.body as { credentials?: { password?: { value?: string } } } | undefined)?.credentials
      ?.password?.value;
    expect(scrambled).toHaveLength(32);
    expect(expire?.path).toBe(`/api/v1/users/${p.id}/lifecycle/expire_password`);
    expect(okta.signIn(p.id, 'Temp-Pass-4242-scr')).toBe('invalid');
    expect(okta.user(p.id).status).toBe('PASSWORD_EXPIRED');
  });

  it('counts a scramble done once the random password is set, even if Okta then refuses the expiry', async () => {
    okta.tokens.set('set-only', new Set(['expire']));
    const setOnly = createOktaDirectory({
      orgUrl: okta.url,
      auth: { kind: 'token', token: 'set-only' },
      timeoutMs: 2000,
    });
    const p = person();
    await expect(setOnly.scramble(p.id)).resolves.toBeUndefined();
    expect(okta.signIn(p.id, p.password)).toBe('invalid');
    expect(okta.callsTo('POST', new RegExp(`/users/${p.id}/lifecycle/expire_password$`))).toHaveLength(1);
  });

  it('revokes every session and OAuth token', async () => {
    const p = person();
    await dir.revokeSessions?.(p.id);
    expect(okta.callsTo('DELETE', new RegExp(`/users/${p.id}/sessions$`))[0]?.query).toEqual({ oauthTokens: 'true' });
    expect(okta.user(p.id).sessions).toBe(0);
  });

  it('maps the password policy’s refusal with its requirements, never echoing the password', async () => {
    const p = person();
    okta.minLength = 40;
    try {
      const err = await failure(dir.setTemporaryPassword(await one(p.code), 'Temp-Pass-4242-short'));
      expect(err.code).toBe(ErrorCode.DirectoryPolicyRejected);
      expect(err.details).toMatchObject({ providerCode: 'E0000001', httpStatus: 400 });
      expect(String(err.details.causes)).toContain('at least 40 characters');
      expect(JSON.stringify(err.details)).not.toContain('Temp-Pass-4242-short');
      expect(okta.signIn(p.id, p.password)).toBe('ok');
    } finally {
      okta.minLength = 8;
    }
  });

  it('reports a set whose expiry Okta refused as a half-done write, so the flow scrambles it', async () => {
    okta.tokens.set('no-expire', new Set(['expire']));
    const limited = createOktaDirectory({
      orgUrl: okta.url,
      auth: { kind: 'token', token: 'no-expire' },
      timeoutMs: 2000,
    });
    const p = person();
    const err = await failure(limited.setTemporaryPassword(await one(p.code), 'Temp-Pass-4242-half'));
    expect(err.code).toBe(ErrorCode.DirectoryAccessDenied);
    expect(err.details).toMatchObject({ passwordChanged: true, step: 'expire_password', providerCode: 'E0000006' });
  });

  it('calls a write whose answer never came an unknown outcome, and one Okta refused a plain failure', async () => {
    const p = person();
    okta.failNext(new RegExp(`^POST /api/v1/users/${p.id}$`), { status: 200, delayMs: 4000, afterApply: true });
    const lost = await failure(dir.setTemporaryPassword(await one(p.code), 'Temp-Pass-4242-lost'));
    expect(lost.code).toBe(ErrorCode.DirectoryOutcomeUnknown);

    okta.tokens.set('read-only', new Set(['set']));
    const readOnly = createOktaDirectory({
      orgUrl: okta.url,
      auth: { kind: 'token', token: 'read-only' },
      timeoutMs: 2000,
    });
    const q = person();
    const denied = await failure(readOnly.setTemporaryPassword(await one(q.code), 'Temp-Pass-4242-deny'));
    expect(denied.code).toBe(ErrorCode.DirectoryAccessDenied);
    expect(denied.details.passwordChanged).toBeUndefined();
    expect(okta.signIn(q.id, q.password)).toBe('ok');
  });

  it('waits out a 429 on a read when Okta frees it up in time, and never sends a write twice', async () => {
    const patient = createOktaDirectory({
      orgUrl: okta.url,
      auth: { kind: 'token', token: FAKE_OKTA_TOKEN },
      timeoutMs: 5000,
    });
    const p = person();
    okta.rateLimitNext(1, 1, /^GET \/api\/v1\/users$/);
    const before = okta.requests.length;
    const found = await patient.findByEmployeeCode(p.code);
    expect(found.found === 'one' && found.account.id).toBe(p.id);
    const searches = okta.requests.slice(before).filter((r) => r.path === '/api/v1/users');
    expect(searches).toHaveLength(2);
    expect(searches[1]?.query).toEqual(searches[0]?.query);
  });

  it('turns a 429 it cannot wait for into a rate limit, at the lookup and at the write', async () => {
    const p = person();
    okta.rateLimitNext(1, 30);
    const before = okta.requests.length;
    const err = await failure(dir.findByEmployeeCode(p.code));
    expect(err).toMatchObject({
      code: ErrorCode.DirectoryUnavailable,
      details: { reason: 'rate_limited', providerCode: 'E0000047' },
    });
    expect(okta.requests.length - before).toBe(1);
    const account = await one(p.code);
    okta.rateLimitNext(1, 0, new RegExp(`^POST /api/v1/users/${p.id}$`));
    const write = await failure(dir.setTemporaryPassword(account, 'Temp-Pass-4242-busy'));
    expect(write).toMatchObject({ code: ErrorCode.DirectoryWriteFailed, details: { reason: 'rate_limited' } });
    expect(okta.callsTo('POST', new RegExp(`^/api/v1/users/${p.id}$`))).toHaveLength(1);
    expect(okta.signIn(p.id, p.password)).toBe('ok');
  });

  it('calls a 5xx on the set an unknown outcome (a gateway may have passed it on), and never follows a redirect', async () => {
    const p = person();
    const account = await one(p.code);
    okta.failNext(new RegExp(`^POST /api/v1/users/${p.id}$`), { status: 504, body: {}, afterApply: true });
    expect((await failure(dir.setTemporaryPassword(account, 'Temp-Pass-4242-504'))).code).toBe(
      ErrorCode.DirectoryOutcomeUnknown,
    );
    const q = person();
    okta.failNext(new RegExp(`^POST /api/v1/users/${q.id}$`), {
      status: 307,
      headers: { location: 'http://127.0.0.1:9/collect' },
    });
    const redirected = await failure(dir.setTemporaryPassword(await one(q.code), 'Temp-Pass-4242-307'));
    expect(redirected).toMatchObject({ code: ErrorCode.DirectoryWriteFailed, details: { reason: 'redirected' } });
    expect(okta.signIn(q.id, q.password)).toBe('ok');
  });

  it('refuses a bad token at start-up naming OKTA_API_TOKEN, and an unreachable org naming OKTA_ORG_URL', async () => {
    const wrong = createOktaDirectory({ orgUrl: okta.url, auth: { kind: 'token', token: 'revoked' }, timeoutMs: 2000 });
    await expect(wrong.verify()).rejects.toThrow(
      /^OKTA_API_TOKEN: Okta at http:\/\/127\.0\.0\.1:\d+ refused the token \(E0000011/,
    );
    const gone = createOktaDirectory({
      orgUrl: 'http://127.0.0.1:9',
      auth: { kind: 'token', token: FAKE_OKTA_TOKEN },
      timeoutMs: 2000,
    });
    await expect(gone.verify()).rejects.toThrow(/^OKTA_ORG_URL: cannot reach http:\/\/127\.0\.0\.1:9/);
    await expect(dir.verify()).resolves.toBeUndefined();
    const err = await failure(wrong.findByEmployeeCode('E-1'));
    expect(err).toMatchObject({ code: ErrorCode.DirectoryUnavailable, details: { reason: 'bind_rejected' } });
  });
});

/** The OAuth service app (private_key_jwt), through the SDK's own token request, against the local token endpoint. */
describe('Okta adapter with a service app and a private key', () => {
  let okta: FakeOkta;
  let keyFile: string;
  let otherKeyFile: string;
  let dir: string;
  beforeAll(async () => {
    okta = await new FakeOkta().start();
    dir = mkdtempSync(join(tmpdir(), 'resetpw-okta-key-'));
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keyFile = join(dir, 'app.pem');
    writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    otherKeyFile = join(dir, 'other.pem');
    writeFileSync(
      otherKeyFile,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    const publicPem = String(pair.publicKey.export({ type: 'spki', format: 'pem' }));
    okta.addApp('0oaResetBot1', publicPem, ['okta.users.read', 'okta.users.manage', 'okta.roles.read']);
    okta.addApp('0oaNarrow', publicPem, ['okta.users.read']);
  });
  afterAll(async () => {
    await okta.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const app = (clientId: string, file: string) =>
    createOktaDirectory({
      orgUrl: okta.url,
      auth: { kind: 'privateKey', clientId, keyFile: file, keyId: 'kid-1' },
      timeoutMs: 2000,
    });

  it('signs in with a signed client assertion, then calls the API with the access token it got', async () => {
    const id = okta.addUser({
      login: 'sa@example.com',
      employeeNumber: 'E-SA1',
      mobilePhone: '+15005550006',
      password: 'Old-Pass-sa1',
    });
    const directory = app('0oaResetBot1', keyFile);
    await directory.verify();
    const [token] = okta.requests.filter((r) => r.path === '/oauth2/v1/token');
    const form = new URLSearchParams(String(token?.body));
    expect(Object.fromEntries(form)).toMatchObject({
      grant_type: 'client_credentials',
      scope: 'okta.users.read okta.users.manage okta.roles.read',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    });
    const [header, claims] = String(form.get('client_assertion'))
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toMatchObject({ alg: 'RS256', kid: 'kid-1' });
    expect(claims).toMatchObject({ iss: '0oaResetBot1', sub: '0oaResetBot1', aud: `${okta.url}/oauth2/v1/token` });
    const lookup = await directory.findByEmployeeCode('E-SA1');
    expect(lookup.found === 'one' && lookup.account.id).toBe(id);
    const api = okta.requests.filter((r) => r.path.startsWith('/api/v1/'));
    expect(api.length).toBeGreaterThan(0);
    for (const r of api) expect(r.authorization).toMatch(/^(Bearer|DPoP) at[0-9a-f]{32}$/);
    await directory.setTemporaryPassword(
      lookup.found === 'one' ? lookup.account : (undefined as never),
      'Temp-Pass-sa-4242',
    );
    expect(okta.signIn(id, 'Temp-Pass-sa-4242')).toBe('must_change');
  });

  it('names the variables when Okta refuses the sign-in: a key it does not know, or scopes not granted', async () => {
    await expect(app('0oaResetBot1', otherKeyFile).verify()).rejects.toThrow(
      /^OKTA_CLIENT_ID \/ OKTA_PRIVATE_KEY_FILE: Okta at .* refused the service app's sign-in \(invalid_client\)/,
    );
    await expect(app('0oaNarrow', keyFile).verify()).rejects.toThrow(
      /^OKTA_CLIENT_ID: Okta at .* refused the service app's sign-in \(invalid_scope\): grant .*okta\.roles\.read/,
    );
    await expect(app('0oaUnknown', keyFile).verify()).rejects.toThrow(/refused the service app's sign-in/);
    // Nothing reached the API with a token that was never issued ("Bearer undefined").
    expect(okta.requests.some((r) => /undefined/.test(r.authorization))).toBe(false);
  });

  it('stops at start-up on a key file it cannot read or that holds no key, naming OKTA_PRIVATE_KEY_FILE', () => {
    expect(() => app('0oaResetBot1', join(dir, 'missing.pem'))).toThrow(
      /^OKTA_PRIVATE_KEY_FILE: cannot read .*missing\.pem \(ENOENT\)$/,
    );
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a key');
    expect(() => app('0oaResetBot1', junk)).toThrow(
      /^OKTA_PRIVATE_KEY_FILE: .*junk\.pem holds neither a PEM private key nor a JWK$/,
    );
  });
});
