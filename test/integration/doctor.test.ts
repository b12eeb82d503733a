import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { type DoctorReport, formatDoctor } from '../../src/doctor/index.js';
import { openStore } from '../../src/store/database.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, FakeTwilio } from '../fakes/fake-twilio.js';
import { freePort } from '../fakes/http-util.js';
import { ADMIN, ADMIN_GROUP, APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, testEnv } from '../helpers/harness.js';

/** `resetpw doctor` through the CLI entry, against fake Slack and fake Twilio over real sockets. */
describe('resetpw doctor', () => {
  let slack: FakeSlack;
  let twilio: FakeTwilio;
  beforeAll(async () => {
    slack = await new FakeSlack().start();
    twilio = await new FakeTwilio().start();
  });
  afterAll(async () => {
    await Promise.all([slack.stop(), twilio.stop()]);
  });
  beforeEach(() => {
    slack.setGroup(ADMIN_GROUP, [ADMIN]);
    slack.scopes = ['commands', 'usergroups:read', 'im:write', 'chat:write', 'users:read', 'users:read.email'];
    slack.rejectedTokens.clear();
    slack.calls.length = 0;
    twilio.requests.length = 0;
    twilio.testAccounts.clear();
    twilio.accountStatus = 'active';
  });

  const doctor = async (over: Record<string, string | undefined> = {}, args: string[] = []) => {
    const out: string[] = [];
    const err: string[] = [];
    const env = { ...testEnv(slack, twilio, 'socket'), ...over };
    const code = await runCli(
      ['doctor', ...args],
      env,
      (s) => out.push(s),
      (s) => err.push(s),
    );
    const json = await runCli(
      ['doctor', '--json', ...args],
      env,
      () => undefined,
      () => undefined,
    );
    return { code, text: out.join('\n'), err: err.join('\n'), json };
  };
  const report = async (over: Record<string, string | undefined> = {}, args: string[] = []) => {
    const out: string[] = [];
    const code = await runCli(
      ['doctor', '--json', ...args],
      { ...testEnv(slack, twilio, 'socket'), ...over },
      (s) => out.push(s),
      () => undefined,
    );
    const parsed = JSON.parse(out.join('')) as DoctorReport;
    const byId = Object.fromEntries(parsed.checks.map((c) => [c.id, c]));
    return { code, report: parsed, byId };
  };

  it('passes a good configuration, asking each service exactly what it needs and sending nothing', async () => {
    const { code, text, json } = await doctor();
    expect(code).toBe(0);
    expect(json).toBe(0);
    expect(text).toMatch(/^✔ Configuration +Socket Mode, DIRECTORY=none, store /m);
    expect(text).toMatch(/^✔ Password profile +strong, 15 characters, \d+\.\d bits of entropy \(floor 50\)$/m);
    expect(text).toMatch(/^✔ Slack bot token +accepted: workspace "Test" \(T0RESETPW\) as @resetpw$/m);
    expect(text).toMatch(/^✔ Slack scopes +the token has every scope manifest\.yml asks for/m);
    expect(text).toMatch(new RegExp(`^✔ Admin user group +${ADMIN_GROUP} has 1 member$`, 'm'));
    expect(text).toMatch(/^✔ Socket Mode token +SLACK_APP_TOKEN accepted/m);
    expect(text).toMatch(new RegExp(`^✔ Twilio credentials +accepted: account ${FAKE_ACCOUNT_SID} is active`, 'm'));
    expect(text).toMatch(/^✔ Twilio sender +\+15005550006 is an SMS-capable number of the account$/m);
    expect(text).toMatch(/^✔ Store +.*does not exist yet: the bot creates it at first start/m);
    expect(text).toMatch(/^– Company directory +DIRECTORY=none/m);
    expect(text.split('\n').at(-1)).toBe('All checks passed.');

    // What was asked, with which credentials (two runs: text and JSON).
    const calls = slack.calls.map((c) => `${c.method} ${c.token}`);
    expect(new Set(calls)).toEqual(
      new Set([`auth.test ${BOT_TOKEN}`, `usergroups.users.list ${BOT_TOKEN}`, `apps.connections.open ${APP_TOKEN}`]),
    );
    expect(slack.callsTo('usergroups.users.list')[0]?.args).toEqual({ usergroup: ADMIN_GROUP });
    const asked = twilio.requests.map((r) => `${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`);
    expect(new Set(asked)).toEqual(
      new Set([
        `GET /2010-04-01/Accounts/${FAKE_ACCOUNT_SID}.json`,
        `GET /2010-04-01/Accounts/${FAKE_ACCOUNT_SID}/IncomingPhoneNumbers.json?PhoneNumber=%2B15005550006&PageSize=1`,
      ]),
    );
    expect(twilio.requests.every((r) => r.username === FAKE_ACCOUNT_SID)).toBe(true);
    expect(twilio.createRequests).toEqual([]);
    // No secret in the report.
    for (const secret of [BOT_TOKEN, APP_TOKEN, FAKE_AUTH_TOKEN, SIGNING_SECRET]) expect(text).not.toContain(secret);
  });

  it('--json gives every check with a stable id, and ok', async () => {
    const { code, report: r } = await report();
    expect(code).toBe(0);
    expect(r.ok).toBe(true);
    expect(r.checks.map((c) => [c.id, c.status])).toEqual([
      ['config', 'pass'],
      ['password', 'pass'],
      ['slack_token', 'pass'],
      ['slack_scopes', 'pass'],
      ['admin_group', 'pass'],
      ['socket_token', 'pass'],
      ['twilio_credentials', 'pass'],
      ['twilio_sender', 'pass'],
      ['store', 'pass'],
      ['directory', 'skip'],
    ]);
  });

  it('names a bad bot token, and does not go on to its scopes', async () => {
    slack.rejectedTokens.add('xoxb-revoked-token');
    const { code, text } = await doctor({ SLACK_BOT_TOKEN: 'xoxb-revoked-token' });
    expect(code).toBe(1);
    expect(text).toMatch(/^✖ Slack bot token +auth\.test failed: invalid_auth$/m);
    expect(text).toMatch(/→ copy the Bot User OAuth Token \(xoxb-…\) again into SLACK_BOT_TOKEN/);
    expect(text).toMatch(/^– Slack scopes +not checked: the token did not work$/m);
    expect(text).not.toContain('xoxb-revoked-token');
    expect(text.split('\n').at(-1)).toMatch(/^\d+ checks? failed\.$/);
  });

  it('names the scopes the token lacks against manifest.yml', async () => {
    // An app installed before the employee's DM: users:read.email is not granted without a reinstall.
    slack.scopes = ['commands', 'chat:write', 'users:read'];
    const { code, byId } = await report();
    expect(code).toBe(1);
    expect(byId.slack_scopes).toMatchObject({
      status: 'fail',
      detail:
        'the token lacks usergroups:read (the admin check, so every /resetpw is refused); ' +
        "im:write (every DM: the admin's later notices (delivery, the employee's change, expiry, interruptions) and the employee's Slack DM); " +
        "users:read.email (the employee's Slack DM and /resetpw @user)",
    });
    expect(byId.slack_scopes?.fix).toMatch(
      /^add usergroups:read, im:write, users:read.email under OAuth & Permissions/,
    );
    expect(byId.slack_token?.status).toBe('pass');
    // The scopes come from auth.test's answer (its x-oauth-scopes header), not from any other call.
    expect(slack.callsTo('auth.test')).toHaveLength(1);
  });

  it('names the one scope a token installed before the App Home and the DMs lacks, and what it breaks', async () => {
    slack.scopes = ['commands', 'usergroups:read', 'im:write', 'chat:write', 'users:read'];
    const { text } = await doctor();
    expect(text).toMatch(
      /^✖ Slack scopes +the token lacks users:read\.email \(the employee's Slack DM and \/resetpw @user\)$/m,
    );
    expect(text).toMatch(/→ add users:read\.email under OAuth & Permissions → Bot Token Scopes/);
  });

  it('fails the scopes when Slack does not say which the token has (no x-oauth-scopes)', async () => {
    slack.scopesHeader = false;
    try {
      const { code, byId } = await report();
      expect(code).toBe(1);
      expect(byId.slack_scopes).toMatchObject({
        status: 'fail',
        detail: 'Slack did not say which scopes the token has',
      });
      expect(byId.slack_token?.status).toBe('pass');
    } finally {
      slack.scopesHeader = true;
    }
  });

  it('names a wrong admin group, and an empty one', async () => {
    const wrong = await report({ SLACK_ADMIN_GROUP_ID: 'S0NOSUCH1' });
    expect(wrong.code).toBe(1);
    expect(wrong.byId.admin_group).toMatchObject({
      status: 'fail',
      detail: 'S0NOSUCH1 is not a user group of this workspace (no_such_subteam)',
    });
    expect(wrong.byId.admin_group?.fix).toMatch(/SLACK_ADMIN_GROUP_ID/);
    slack.setGroup(ADMIN_GROUP, []);
    const empty = await report();
    expect(empty.byId.admin_group).toMatchObject({
      status: 'fail',
      detail: `${ADMIN_GROUP} has no members: nobody could use /resetpw`,
    });
  });

  it('names a bad Socket Mode token; in http mode the signing secret is said to be uncheckable', async () => {
    slack.rejectedTokens.add('xapp-1-A0-bad');
    const bad = await report({ SLACK_APP_TOKEN: 'xapp-1-A0-bad' });
    expect(bad.byId.socket_token).toMatchObject({
      status: 'fail',
      detail: 'apps.connections.open failed: invalid_auth',
    });
    const http = await report({ SLACK_MODE: 'http' });
    expect(http.code).toBe(0);
    expect(http.byId.socket_token?.status).toBe('skip');
    expect(http.byId.socket_token?.detail).toMatch(/SLACK_SIGNING_SECRET, which cannot be checked from here/);
  });

  it('names bad Twilio credentials, and does not go on to the sender', async () => {
    const { code, text } = await doctor({ TWILIO_AUTH_TOKEN: 'not-the-token' });
    expect(code).toBe(1);
    expect(text).toMatch(
      /^✖ Twilio credentials +Twilio rejected TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN \(HTTP 401, error 20003\)$/m,
    );
    expect(text).toMatch(/^– Twilio sender +not checked: the credentials did not work$/m);
    expect(text).not.toContain('not-the-token');
    twilio.accountStatus = 'suspended';
    const suspended = await report();
    expect(suspended.byId.twilio_credentials).toMatchObject({
      status: 'fail',
      detail: 'accepted, but the account is suspended',
    });
  });

  it('checks an API key by listing, and names a sender the account does not own', async () => {
    const key = `SK${'b2'.repeat(16)}`;
    twilio.credentials.set(key, 'api-secret-123');
    const r = await report({
      TWILIO_AUTH_TOKEN: undefined,
      TWILIO_API_KEY: key,
      TWILIO_API_SECRET: 'api-secret-123',
      TWILIO_FROM_NUMBER: '+15005550199',
    });
    expect(r.byId.twilio_credentials).toMatchObject({
      status: 'pass',
      detail: `accepted: API key for ${FAKE_ACCOUNT_SID}`,
    });
    expect(r.byId.twilio_sender).toMatchObject({
      status: 'fail',
      detail: `+15005550199 is not a phone number of account ${FAKE_ACCOUNT_SID}`,
    });
    expect(twilio.requests.every((q) => q.username === key)).toBe(true);
  });

  it('checks a Messaging Service, and knows test credentials', async () => {
    const service = `MG${'c3'.repeat(16)}`;
    const missing = await report({ TWILIO_FROM_NUMBER: undefined, TWILIO_MESSAGING_SERVICE_SID: service });
    expect(missing.byId.twilio_sender).toMatchObject({
      status: 'fail',
      detail: `Messaging Service ${service} does not exist in account ${FAKE_ACCOUNT_SID}`,
    });
    twilio.messagingServices.set(service, 'IT helpdesk');
    const found = await report({ TWILIO_FROM_NUMBER: undefined, TWILIO_MESSAGING_SERVICE_SID: service });
    expect(found.byId.twilio_sender).toMatchObject({
      status: 'pass',
      detail: `Messaging Service ${service} ("IT helpdesk") exists`,
    });
    expect(twilio.requests.some((q) => q.method === 'GET' && q.path === `/v1/Services/${service}`)).toBe(true);

    twilio.testAccounts.add(FAKE_ACCOUNT_SID);
    const test = await report();
    expect(test.code).toBe(0);
    expect(test.byId.twilio_credentials?.detail).toMatch(/^accepted as test credentials/);
    expect(test.byId.twilio_sender?.detail).toBe('+15005550006, Twilio’s magic sender for test credentials');
  });

  it('names services it cannot reach, within its timeouts', async () => {
    const port = await freePort();
    const { code, byId } = await report({
      SLACK_API_URL: `http://127.0.0.1:${port}/api`,
      TWILIO_API_URL: `http://127.0.0.1:${port}`,
    });
    expect(code).toBe(1);
    expect(byId.slack_token?.detail).toBe('auth.test failed: could not reach Slack (ECONNREFUSED)');
    expect(byId.admin_group?.status).toBe('fail');
    expect(byId.twilio_credentials?.detail).toBe('could not reach Twilio (ECONNREFUSED)');
    expect(byId.twilio_credentials?.fix).toMatch(/reach api\.twilio\.com/);
  });

  it('says what the store holds: migrated, from a newer version, or not a database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resetpw-doctor-'));
    const url = `sqlite:${join(dir, 'resetpw.sqlite')}`;
    const store = await openStore(url);
    await store.close();
    const migrated = await report({ DATABASE_URL: url });
    expect(migrated.byId.store).toMatchObject({ status: 'pass' });
    expect(migrated.byId.store?.detail).toMatch(/answers and is migrated \(\d+ migrations\)$/);

    const newer = `sqlite:${join(dir, 'newer.sqlite')}`;
    const ahead = await openStore(newer);
    if (ahead.raw.engine === 'sqlite') {
      ahead.raw.sqlite
        .prepare("insert into kysely_migration (name, timestamp) values ('9999_future', '2027-01-01T00:00:00Z')")
        .run();
    }
    await ahead.close();
    const fromNewer = await report({ DATABASE_URL: newer });
    expect(fromNewer.code).toBe(1);
    expect(fromNewer.byId.store?.detail).toMatch(/was migrated by a newer resetpw \(9999_future\)/);

    writeFileSync(join(dir, 'notes.txt'), 'not a database at all, just some text that is long enough');
    const notDb = await report({ DATABASE_URL: `sqlite:${join(dir, 'notes.txt')}` });
    expect(notDb.byId.store).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/is not a SQLite database/),
    });
  });

  it('stops at the configuration when it cannot be read, naming every bad variable', async () => {
    const { code, byId, report: r } = await report({ SLACK_BOT_TOKEN: undefined, TWILIO_TIMEOUT_MS: 'soon' });
    expect(code).toBe(1);
    expect(r.checks).toHaveLength(1);
    expect(byId.config?.status).toBe('fail');
    // One problem a line, as start-up lists them.
    expect(byId.config?.detail.split('\n')).toEqual([
      '2 problems:',
      expect.stringMatching(/^- SLACK_BOT_TOKEN /),
      expect.stringMatching(/^- TWILIO_TIMEOUT_MS /),
    ]);
    expect(formatDoctor(r).split('\n').slice(0, 3)).toEqual([
      '✖ Configuration  2 problems:',
      expect.stringMatching(/^ {17}- SLACK_BOT_TOKEN /),
      expect.stringMatching(/^ {17}- TWILIO_TIMEOUT_MS /),
    ]);
    expect(slack.calls).toEqual([]);
  });

  it('fails a password profile under the floor even when PASSWORD_ALLOW_WEAK lets the bot start', async () => {
    const { byId } = await report({ PASSWORD_PROFILE: 'dictation', PASSWORD_GROUPS: '2', PASSWORD_ALLOW_WEAK: 'true' });
    expect(byId.password?.status).toBe('fail');
    expect(byId.password?.detail).toMatch(/under the 50-bit floor \(accepted only because PASSWORD_ALLOW_WEAK=true\)/);
  });
});
