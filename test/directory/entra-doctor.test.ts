import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import type { DoctorReport } from '../../src/doctor/index.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT, FakeEntra } from '../fakes/fake-entra.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import { FakeTwilio } from '../fakes/fake-twilio.js';
import { ADMIN, ADMIN_GROUP, testEnv } from '../helpers/harness.js';

/** `resetpw doctor` with DIRECTORY=entra against the local tenant: the app's sign-in, and a lookup that writes nothing. */
describe('resetpw doctor on Microsoft Entra ID', () => {
  let entra: FakeEntra;
  let slack: FakeSlack;
  let twilio: FakeTwilio;
  beforeAll(async () => {
    entra = await new FakeEntra().start();
    slack = await new FakeSlack().start();
    twilio = await new FakeTwilio().start();
    slack.setGroup(ADMIN_GROUP, [ADMIN]);
    entra.addUser({
      upn: 'jdoctor@example.com',
      displayName: 'Jane Doctor',
      employeeId: 'E-3001',
      mobilePhone: '+15005550006',
      password: 'Old-Doctor-1!',
    });
    entra.apps.set('eeeeeeee-0000-4000-8000-0000000000d0', { secret: 'no~read', denied: new Set(['read']) });
  });
  afterAll(async () => {
    await Promise.all([slack?.stop(), twilio?.stop(), entra?.stop()]);
  });

  const report = async (over: Record<string, string> = {}, args: string[] = []) => {
    const out: string[] = [];
    const code = await runCli(
      ['doctor', '--json', ...args],
      {
        ...testEnv(slack, twilio, 'http'),
        DIRECTORY: 'entra',
        ENTRA_TENANT_ID: FAKE_TENANT,
        ENTRA_CLIENT_ID: FAKE_CLIENT_ID,
        ENTRA_CLIENT_SECRET: FAKE_CLIENT_SECRET,
        ENTRA_AUTHORITY_HOST: entra.url,
        ENTRA_GRAPH_URL: entra.url,
        ...over,
      },
      (s) => out.push(s),
      () => undefined,
    );
    const text = out.join('');
    const parsed = JSON.parse(text) as DoctorReport;
    return { code, text, byId: Object.fromEntries(parsed.checks.map((c) => [c.id, c])) };
  };

  it('signs the app in, looks the sample employee up as a reset would, and writes nothing', async () => {
    const { code, text, byId } = await report({}, ['--employee', 'E-3001']);
    expect(code).toBe(0);
    expect(byId.directory).toMatchObject({
      status: 'pass',
      detail: `signed in to ${entra.url} as the app ${FAKE_CLIENT_ID} in tenant ${FAKE_TENANT}`,
    });
    expect(byId.directory_lookup).toMatchObject({
      status: 'pass',
      detail: 'E-3001 is jdoctor@example.com (Jane Doctor), mobile +•••••••0006: a reset would proceed',
    });
    expect(entra.requests.filter((r) => r.method === 'PATCH' || r.path.endsWith('revokeSignInSessions'))).toEqual([]);
    expect(text).not.toContain(FAKE_CLIENT_SECRET);
  });

  it('names ENTRA_CLIENT_SECRET when Entra refuses it, and the permission when the app may not read users', async () => {
    const refused = await report({ ENTRA_CLIENT_SECRET: 'wrong~secret' });
    expect(refused.code).toBe(1);
    expect(String(refused.byId.directory?.detail)).toMatch(
      /^ENTRA_CLIENT_SECRET: Entra refused the app's secret \(AADSTS7000215/,
    );
    expect(refused.text).not.toContain('wrong~secret');
    const blind = await report({
      ENTRA_CLIENT_ID: 'eeeeeeee-0000-4000-8000-0000000000d0',
      ENTRA_CLIENT_SECRET: 'no~read',
    });
    expect(String(blind.byId.directory?.detail)).toBe(
      'ENTRA_CLIENT_ID: the app may not read users (Authorization_RequestDenied): grant it the application permission User.Read.All with admin consent',
    );
  });
});
