import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import type { DoctorReport } from '../../src/doctor/index.js';
import { FakeGoogle, GOOGLE_ADMIN } from '../fakes/fake-google.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import { FakeTwilio } from '../fakes/fake-twilio.js';
import { ADMIN, ADMIN_GROUP, testEnv } from '../helpers/harness.js';

/** `resetpw doctor` with DIRECTORY=google: the service account's delegation, and a lookup that writes nothing. */
describe('resetpw doctor on Google Workspace', () => {
  let google: FakeGoogle;
  let slack: FakeSlack;
  let twilio: FakeTwilio;
  let dir: string;
  let keyFile: string;
  let narrowFile: string;
  beforeAll(async () => {
    google = await new FakeGoogle().start();
    slack = await new FakeSlack().start();
    twilio = await new FakeTwilio().start();
    slack.setGroup(ADMIN_GROUP, [ADMIN]);
    dir = mkdtempSync(join(tmpdir(), 'resetpw-google-doctor-'));
    keyFile = join(dir, 'sa.json');
    google.addServiceAccount(keyFile);
    narrowFile = join(dir, 'narrow.json');
    google.addServiceAccount(narrowFile, ['https://www.googleapis.com/auth/admin.directory.user']);
    google.addUser({
      email: 'jdoctor@example.com',
      fullName: 'Jane Doctor',
      externalId: 'E-3001',
      mobiles: ['+15005550006'],
      password: 'Old-Doctor-1!',
    });
  });
  afterAll(async () => {
    await Promise.all([slack?.stop(), twilio?.stop(), google?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const report = async (over: Record<string, string> = {}, args: string[] = []) => {
    const out: string[] = [];
    const code = await runCli(
      ['doctor', '--json', ...args],
      {
        ...testEnv(slack, twilio, 'http'),
        DIRECTORY: 'google',
        GOOGLE_SERVICE_ACCOUNT_FILE: keyFile,
        GOOGLE_ADMIN_SUBJECT: GOOGLE_ADMIN,
        GOOGLE_API_URL: google.url,
        GOOGLE_TOKEN_URL: `${google.url}/token`,
        ...over,
      },
      (s) => out.push(s),
      () => undefined,
    );
    const parsed = JSON.parse(out.join('')) as DoctorReport;
    return { code, byId: Object.fromEntries(parsed.checks.map((c) => [c.id, c])) };
  };

  it('signs the service account in as the admin, looks the sample employee up, and writes nothing', async () => {
    const { code, byId } = await report({}, ['--employee', 'E-3001']);
    expect(code).toBe(0);
    expect(byId.directory).toMatchObject({
      status: 'pass',
      detail: `signed in to ${google.url} as the service account in ${keyFile}, acting as ${GOOGLE_ADMIN}`,
    });
    expect(byId.directory_lookup).toMatchObject({
      status: 'pass',
      detail: 'E-3001 is jdoctor@example.com (Jane Doctor), mobile +•••••••0006: a reset would proceed',
    });
    expect(google.requests.filter((r) => r.method === 'PATCH' || r.path.endsWith('/signOut'))).toEqual([]);
  });

  it('names the delegation to fix when the scopes are not all allowed', async () => {
    const { code, byId } = await report({ GOOGLE_SERVICE_ACCOUNT_FILE: narrowFile });
    expect(code).toBe(1);
    expect(String(byId.directory?.detail)).toMatch(
      /^GOOGLE_SERVICE_ACCOUNT_FILE: the service account may not act for GOOGLE_ADMIN_SUBJECT \(unauthorized_client\)/,
    );
  });
});
