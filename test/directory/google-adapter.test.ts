import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGoogleDirectory } from '../../src/adapters/google/directory.js';
import type { GoogleConfig } from '../../src/config/index.js';
import { ErrorCode } from '../../src/errors.js';
import type { DirectoryAccount } from '../../src/ports/index.js';
import { FakeGoogle, GOOGLE_ADMIN } from '../fakes/fake-google.js';
import { appErrorOf } from '../helpers/app-error.js';

/**
 * The Google Workspace adapter through the real @googleapis/admin and google-auth-library, over HTTPS (the test CA in
 * NODE_EXTRA_CA_CERTS), against a local Workspace (test/fakes/fake-google.ts).
 */
describe('Google Workspace adapter (the official client over the wire)', () => {
  let google: FakeGoogle;
  let dir: string;
  let keyFile: string;
  let n = 0;
  beforeAll(async () => {
    google = await new FakeGoogle().start();
    dir = mkdtempSync(join(tmpdir(), 'resetpw-google-'));
    keyFile = join(dir, 'sa.json');
    google.addServiceAccount(keyFile);
  });
  afterAll(async () => {
    await google.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const config = (over: Partial<GoogleConfig> = {}): GoogleConfig => ({
    keyFile,
    subject: GOOGLE_ADMIN,
    employeeIdField: 'externalId',
    apiUrl: google.url,
    tokenUrl: `${google.url}/token`,
    timeoutMs: 3000,
    ...over,
  });
  const person = (over: Partial<Parameters<FakeGoogle['addUser']>[0]> = {}) => {
    const i = ++n;
    const code = `G-${i}${Date.now().toString(36).slice(-4)}`;
    const password = `Old-Pass-${i}-xyzzy`;
    const id = google.addUser({
      email: `emp${i}@example.com`,
      fullName: `Pat Example${i}`,
      externalId: code,
      mobiles: ['+1 500 555 0006'],
      password,
      ...over,
    });
    return { id, code, password };
  };
  const one = async (code: string, d = createGoogleDirectory(config())): Promise<DirectoryAccount> => {
    const lookup = await d.findByEmployeeCode(code);
    if (lookup.found !== 'one') throw new Error(`expected one account, got ${lookup.found}`);
    return lookup.account;
  };
  const failure = appErrorOf;

  it('signs a JWT for the admin it acts as, then finds the employee by externalId', async () => {
    const p = person();
    const d = createGoogleDirectory(config());
    await d.verify();
    const [token] = google.callsTo('POST', /^\/token$/);
    const form = new URLSearchParams(String(token?.body));
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const claims = JSON.parse(Buffer.from(String(form.get('assertion')).split('.')[1] ?? '', 'base64url').toString());
    expect(claims).toMatchObject({
      sub: GOOGLE_ADMIN,
      aud: 'https://oauth2.googleapis.com/token',
      scope:
        'https://www.googleapis.com/auth/admin.directory.user https://www.googleapis.com/auth/admin.directory.user.security',
    });
    const before = google.requests.length;
    expect(await one(p.code, d)).toEqual({
      id: p.id,
      login: `emp${n}@example.com`,
      displayName: `Pat Example${n}`,
      employeeCode: p.code,
      email: `emp${n}@example.com`,
      mobiles: ['+1 500 555 0006'],
      disabled: false,
      locked: false,
    });
    const [search] = google.requests.slice(before);
    expect(search).toMatchObject({
      method: 'GET',
      path: '/admin/directory/v1/users',
      query: { customer: 'my_customer', query: `externalId='${p.code}'`, maxResults: '10' },
    });
    expect(search?.authorization).toMatch(/^Bearer ya29\./);
  });

  it('reads a custom schema field instead, says none and many, and keeps every mobile number', async () => {
    const custom = person({ externalId: '', custom: { EmployeeInfo: { EmployeeNumber: 'C-77' } } });
    const d = createGoogleDirectory(config({ employeeIdField: 'EmployeeInfo.EmployeeNumber' }));
    expect((await one('C-77', d)).id).toBe(custom.id);
    const before = google.requests.length;
    await d.findByEmployeeCode('C-78');
    expect(google.requests[before]?.query).toMatchObject({
      query: "EmployeeInfo.EmployeeNumber='C-78'",
      projection: 'full',
    });
    const plain = createGoogleDirectory(config());
    expect(await plain.findByEmployeeCode('G-NOBODY')).toEqual({ found: 'none' });
    const a = person();
    person({ externalId: a.code });
    expect(await plain.findByEmployeeCode(a.code)).toEqual({ found: 'many', count: 2 });
    const two = person({ mobiles: ['+15005550006', '+15005550011'] });
    expect((await one(two.code)).mobiles).toEqual(['+15005550006', '+15005550011']);
  });

  it('finds by email: a quoted email query, or users.get for an address the query cannot quote; only the primary address counts', async () => {
    const d = createGoogleDirectory(config());
    const p = person({ email: `Pat.Lee${n + 1}@Example.com`, aliases: [`pl${n + 1}@example.com`] });
    let before = google.requests.length;
    const sent = () => google.requests.slice(before).filter((r) => r.path !== '/token');
    let found = await d.findByEmail(`pat.lee${n}@example.com`);
    expect(found.found === 'one' && found.account).toMatchObject({ id: p.id, email: `Pat.Lee${n}@Example.com` });
    expect(sent()[0]).toMatchObject({
      method: 'GET',
      path: '/admin/directory/v1/users',
      query: { customer: 'my_customer', query: `email:'pat.lee${n}@example.com'`, maxResults: '10' },
    });
    // The query also finds by an alias, and by part of an address: neither is the employee's own address.
    expect(await d.findByEmail(`pl${n}@example.com`)).toEqual({ found: 'none' });
    expect(await d.findByEmail(`lee${n}@example.com`)).toEqual({ found: 'none' });

    const quoted = person({ email: `O'Brien${n + 1}@example.com` });
    before = google.requests.length;
    found = await d.findByEmail(`o'brien${n}@example.com`);
    expect(found.found === 'one' && found.account.id).toBe(quoted.id);
    expect(sent()).toMatchObject([{ method: 'GET', path: `/admin/directory/v1/users/o%27brien${n}%40example.com` }]);
    // users.get by an alias answers with the user: still not the employee's own address.
    person({ email: `main${n + 1}@example.com`, aliases: [`al'ias${n + 1}@example.com`] });
    expect(await d.findByEmail(`al'ias${n}@example.com`)).toEqual({ found: 'none' });
    expect(await d.findByEmail(`nob'ody${n}@example.com`)).toEqual({ found: 'none' });
  });

  it('refuses super admins, delegated admins, suspended users', async () => {
    expect((await one(person({ isAdmin: true }).code)).protection).toEqual({
      reason: 'admin_role',
      what: 'Super Admin',
    });
    expect((await one(person({ isDelegatedAdmin: true }).code)).protection).toEqual({
      reason: 'admin_role',
      what: 'a delegated admin role',
    });
    expect((await one(person({ suspended: true }).code)).disabled).toBe(true);
  });

  it('sets the password with changePasswordAtNextLogin, tells the employee’s own change, scrambles and signs out', async () => {
    const p = person();
    const d = createGoogleDirectory(config());
    const account = await one(p.code, d);
    const before = google.requests.length;
    const receipt = await d.setTemporaryPassword(account, 'Temp-Pass-4242-abcd');
    expect(google.requests[before]).toMatchObject({
      method: 'PATCH',
      path: `/admin/directory/v1/users/${p.id}`,
      body: { password: 'Temp-Pass-4242-abcd', changePasswordAtNextLogin: true },
    });
    expect(google.signIn(p.id, 'Temp-Pass-4242-abcd')).toBe('must_change');
    const marker = await receipt.marker;
    expect(await d.passwordChangedSince(p.id, marker)).toEqual({ changed: false });
    google.changeOwnPassword(p.id, 'My-Own-Choice-123');
    // Google keeps no time of the change.
    expect(await d.passwordChangedSince(p.id, marker)).toEqual({ changed: true });
    await d.scramble(p.id);
    expect(google.signIn(p.id, 'My-Own-Choice-123')).toBe('invalid');
    expect(google.user(p.id).changePasswordAtNextLogin).toBe(true);
    await d.revokeSessions?.(p.id);
    expect(google.callsTo('POST', new RegExp(`/users/${p.id}/signOut$`))).toHaveLength(1);
  });

  it('maps a refused password, a missing right, a lost answer and a rate limit, never sending a write twice', async () => {
    const d = createGoogleDirectory(config());
    const p = person();
    const account = await one(p.code, d);
    google.failNext(new RegExp(`^PATCH /admin/directory/v1/users/${p.id}$`), {
      status: 400,
      body: {
        error: { code: 400, message: 'Invalid Password', errors: [{ reason: 'invalid', message: 'Invalid Password' }] },
      },
    });
    const weak = await failure(d.setTemporaryPassword(account, 'Temp-Pass-4242-weak'));
    expect(weak).toMatchObject({ code: ErrorCode.DirectoryPolicyRejected, details: { providerCode: 'invalid' } });

    google.admins.set('helpdesk@example.com', new Set(['password', 'signout']));
    const limited = createGoogleDirectory(config({ subject: 'helpdesk@example.com' }));
    const denied = await failure(limited.setTemporaryPassword(account, 'Temp-Pass-4242-deny'));
    expect(denied).toMatchObject({
      code: ErrorCode.DirectoryAccessDenied,
      details: { providerCode: 'forbidden', httpStatus: 403 },
    });

    const patches = () => google.callsTo('PATCH', new RegExp(`/users/${p.id}$`)).length;
    const sent = patches();
    google.failNext(new RegExp(`^PATCH /admin/directory/v1/users/${p.id}$`), {
      status: 200,
      delayMs: 5000,
      afterApply: true,
    });
    expect((await failure(d.setTemporaryPassword(account, 'Temp-Pass-4242-lost'))).code).toBe(
      ErrorCode.DirectoryOutcomeUnknown,
    );
    google.failNext(new RegExp(`^PATCH /admin/directory/v1/users/${p.id}$`), {
      status: 503,
      body: { error: { code: 503, message: 'Backend Error', errors: [{ reason: 'backendError' }] } },
      afterApply: true,
    });
    expect((await failure(d.setTemporaryPassword(account, 'Temp-Pass-4242-503'))).code).toBe(
      ErrorCode.DirectoryOutcomeUnknown,
    );
    google.failNext(new RegExp(`^PATCH /admin/directory/v1/users/${p.id}$`), {
      status: 429,
      body: { error: { code: 429, message: 'Quota', errors: [{ reason: 'userRateLimitExceeded' }] } },
    });
    const busy = await failure(d.setTemporaryPassword(account, 'Temp-Pass-4242-429'));
    expect(busy).toMatchObject({
      code: ErrorCode.DirectoryWriteFailed,
      details: { reason: 'rate_limited', providerCode: 'userRateLimitExceeded' },
    });
    // Google's usual answer to a rate limit: 403 with a quota reason, not a refusal of the right.
    google.failNext(new RegExp(`^PATCH /admin/directory/v1/users/${p.id}$`), {
      status: 403,
      body: { error: { code: 403, message: 'Quota exceeded', errors: [{ reason: 'quotaExceeded' }] } },
    });
    const quota = await failure(d.setTemporaryPassword(account, 'Temp-Pass-4242-403'));
    expect(quota).toMatchObject({
      code: ErrorCode.DirectoryWriteFailed,
      details: { reason: 'rate_limited', providerCode: 'quotaExceeded' },
    });
    google.failNext(/^GET \/admin\/directory\/v1\/users$/, {
      status: 403,
      body: { error: { code: 403, message: 'Rate limit', errors: [{ reason: 'userRateLimitExceeded' }] } },
    });
    const lookupLimited = await failure(d.findByEmployeeCode(p.code));
    expect(lookupLimited).toMatchObject({ code: ErrorCode.DirectoryUnavailable, details: { reason: 'rate_limited' } });
    expect(patches() - sent).toBe(4);
  });

  it('calls a token request that never answers unavailable, not an unknown write: the API was not asked', async () => {
    const p = person();
    const account = await one(p.code);
    const fresh = createGoogleDirectory(config()); // no cached token yet
    google.failNext(/^POST \/token$/, { status: 200, delayMs: 5000 });
    const patches = google.callsTo('PATCH', new RegExp(p.id)).length;
    const err = await failure(fresh.setTemporaryPassword(account, 'Temp-Pass-4242-tok'));
    expect(err.code).toBe(ErrorCode.DirectoryUnavailable);
    expect(google.callsTo('PATCH', new RegExp(p.id)).length).toBe(patches);
    expect(google.signIn(p.id, p.password)).toBe('ok');
  });

  it('fails closed on an account whose admin flags did not come back, and matches only the organization id', async () => {
    const p = person();
    google.failNext(/^GET \/admin\/directory\/v1\/users$/, {
      status: 200,
      body: {
        users: [
          {
            id: p.id,
            primaryEmail: 'x@example.com',
            suspended: false,
            externalIds: [{ type: 'organization', value: p.code }],
            phones: [{ type: 'mobile', value: '+15005550006' }],
          },
        ],
      },
    });
    expect((await one(p.code)).unreadable).toEqual(['isAdmin', 'isDelegatedAdmin']);
    google.failNext(/^GET \/admin\/directory\/v1\/users$/, {
      status: 200,
      body: {
        users: [
          {
            id: p.id,
            suspended: false,
            isAdmin: false,
            isDelegatedAdmin: false,
            externalIds: [{ type: 'account', value: p.code }],
          },
        ],
      },
    });
    expect(await createGoogleDirectory(config()).findByEmployeeCode(p.code)).toEqual({ found: 'none' });
  });

  it('never follows a redirect with a password: the write fails where it was sent', async () => {
    const p = person();
    const d = createGoogleDirectory(config());
    const account = await one(p.code, d);
    google.failNext(new RegExp(`^PATCH /admin/directory/v1/users/${p.id}$`), {
      status: 307,
      headers: { Location: 'http://127.0.0.1:9/collect' },
    });
    const err = await failure(d.setTemporaryPassword(account, 'Temp-Pass-4242-307'));
    expect(err).toMatchObject({ code: ErrorCode.DirectoryWriteFailed, details: { reason: 'redirected' } });
    expect(google.signIn(p.id, p.password)).toBe('ok');
  });

  it('names what to fix at start-up: delegation scopes, an unknown admin, an unreadable key file', async () => {
    const narrow = join(dir, 'narrow.json');
    google.addServiceAccount(narrow, ['https://www.googleapis.com/auth/admin.directory.user']);
    await expect(createGoogleDirectory(config({ keyFile: narrow })).verify()).rejects.toThrow(
      /^GOOGLE_SERVICE_ACCOUNT_FILE: the service account may not act for GOOGLE_ADMIN_SUBJECT \(unauthorized_client\): .*allow client ID \d+ the scopes .*admin\.directory\.user\.security/,
    );
    await expect(createGoogleDirectory(config({ subject: 'nobody@example.com' })).verify()).rejects.toThrow(
      /^GOOGLE_ADMIN_SUBJECT: Google does not know that user \(invalid_grant: Invalid email or User ID\)/,
    );
    expect(() => createGoogleDirectory(config({ keyFile: join(dir, 'missing.json') }))).toThrow(
      /^GOOGLE_SERVICE_ACCOUNT_FILE: cannot read .*missing\.json \(ENOENT\)$/,
    );
    const junk = join(dir, 'junk.json');
    writeFileSync(junk, '{"type":"authorized_user"}');
    expect(() => createGoogleDirectory(config({ keyFile: junk }))).toThrow(/has no client_email and private_key/);
  });
});
