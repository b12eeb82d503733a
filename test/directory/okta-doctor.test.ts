import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import type { DoctorReport } from '../../src/doctor/index.js';
import { FAKE_OKTA_TOKEN, FakeOkta } from '../fakes/fake-okta.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import { FakeTwilio } from '../fakes/fake-twilio.js';
import { ADMIN, ADMIN_GROUP, testEnv } from '../helpers/harness.js';

/** `resetpw doctor` with DIRECTORY=okta against the local Okta: the token, and a sample lookup that writes nothing. */
describe('resetpw doctor on Okta', () => {
  let okta: FakeOkta;
  let slack: FakeSlack;
  let twilio: FakeTwilio;
  let jane: string;
  beforeAll(async () => {
    okta = await new FakeOkta().start();
    slack = await new FakeSlack().start();
    twilio = await new FakeTwilio().start();
    slack.setGroup(ADMIN_GROUP, [ADMIN]);
    jane = okta.addUser({
      login: 'jdoctor@example.com',
      employeeNumber: 'E-3001',
      displayName: 'Jane Doctor',
      mobilePhone: '+15005550006',
      password: 'Old-Doctor-1!',
    });
    okta.tokens.set('roles-hidden', new Set(['roles']));
  });
  afterAll(async () => {
    await Promise.all([slack?.stop(), twilio?.stop(), okta?.stop()]);
  });

  const report = async (over: Record<string, string> = {}, args: string[] = []) => {
    const out: string[] = [];
    const code = await runCli(
      ['doctor', '--json', ...args],
      {
        ...testEnv(slack, twilio, 'http'),
        DIRECTORY: 'okta',
        OKTA_ORG_URL: okta.url,
        OKTA_API_TOKEN: FAKE_OKTA_TOKEN,
        ...over,
      },
      (s) => out.push(s),
      () => undefined,
    );
    const text = out.join('');
    const parsed = JSON.parse(text) as DoctorReport;
    return { code, text, byId: Object.fromEntries(parsed.checks.map((c) => [c.id, c])) };
  };

  it('signs in with the token, looks the sample employee up as a reset would, and changes nothing', async () => {
    const before = structuredClone(okta.user(jane));
    const writes = () => okta.requests.filter((r) => r.method !== 'GET').length;
    const writesBefore = writes();
    const { code, text, byId } = await report({}, ['--employee', 'E-3001']);
    expect(code).toBe(0);
    expect(byId.directory).toMatchObject({ status: 'pass', detail: `signed in to ${okta.url} as the OKTA_API_TOKEN` });
    expect(byId.directory_lookup).toMatchObject({
      status: 'pass',
      detail: 'E-3001 is jdoctor@example.com (Jane Doctor), mobile +•••••••0006: a reset would proceed',
    });
    expect(okta.user(jane)).toEqual(before);
    expect(writes()).toBe(writesBefore);
    expect(text).not.toContain(FAKE_OKTA_TOKEN);
  });

  it('names OKTA_API_TOKEN when Okta refuses it, and says a lookup was not tried', async () => {
    const { code, byId } = await report({ OKTA_API_TOKEN: 'revoked-token' }, ['--employee', 'E-3001']);
    expect(code).toBe(1);
    expect(byId.directory).toMatchObject({ status: 'fail' });
    expect(String(byId.directory?.detail)).toMatch(/^OKTA_API_TOKEN: Okta at .* refused the token \(E0000011/);
    expect(byId.directory_lookup).toMatchObject({ status: 'skip' });
  });

  it('shows that a token which may not read admin roles would refuse every employee', async () => {
    const { code, byId } = await report({ OKTA_API_TOKEN: 'roles-hidden' }, ['--employee', 'E-3001']);
    expect(code).toBe(1);
    expect(byId.directory).toMatchObject({ status: 'pass' });
    expect(byId.directory_lookup).toMatchObject({ status: 'fail' });
    expect(String(byId.directory_lookup?.detail)).toContain("may not read this account's administrator roles in Okta");
  });

  it('refuses a plain-http OKTA_ORG_URL that is not on this machine, naming it', async () => {
    const { code, byId } = await report({ OKTA_ORG_URL: 'http://example.okta.com' });
    expect(code).toBe(1);
    expect(String(byId.config?.detail)).toContain('OKTA_ORG_URL');
    expect(String(byId.config?.detail)).toContain('must be an https:// URL');
  });
});
