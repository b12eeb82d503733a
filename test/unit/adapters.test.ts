import { webApi } from '@slack/bolt';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSlackAdminDirectory } from '../../src/adapters/slack-admin-directory.js';
import { createTwilioSmsSender, ResetpwTwilioHttpClient } from '../../src/adapters/twilio-sms.js';
import { ErrorCode } from '../../src/errors.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, FAKE_FROM, FakeTwilio } from '../fakes/fake-twilio.js';

describe('Slack admin directory (real WebClient, fake Slack)', () => {
  let slack: FakeSlack;
  let client: webApi.WebClient;
  beforeAll(async () => {
    slack = await new FakeSlack().start();
    client = new webApi.WebClient('xoxb-test', { slackApiUrl: `${slack.apiUrl}/`, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    await slack.stop();
  });

  function directory(now: () => number) {
    slack.setGroup('S0ADM', ['U1']);
    slack.calls.length = 0;
    return createSlackAdminDirectory({ client, groupId: 'S0ADM', now });
  }

  it('reuses a membership list for at most 60 s, and never for a fresh check', async () => {
    let t = 0;
    const dir = directory(() => t);
    expect(await dir.isAdmin('U1')).toBe(true);
    slack.setGroup('S0ADM', ['U2']);
    t = 59_999;
    expect(await dir.isAdmin('U1')).toBe(true); // cached
    expect(await dir.isAdmin('U1', { fresh: true })).toBe(false); // fresh sees the removal
    t = 59_999 + 60_000;
    expect(await dir.isAdmin('U2')).toBe(true);
    expect(slack.callsTo('usergroups.users.list').map((c) => c.args.usergroup)).toEqual(['S0ADM', 'S0ADM', 'S0ADM']);
  });

  it('shares one request among concurrent cached checks', async () => {
    const dir = directory(() => 0);
    const answers = await Promise.all([dir.isAdmin('U1'), dir.isAdmin('U2'), dir.isAdmin('U1')]);
    expect(answers).toEqual([true, false, true]);
    expect(slack.callsTo('usergroups.users.list')).toHaveLength(1);
  });

  it('does not cache failures', async () => {
    const dir = directory(() => 0);
    slack.failNext('usergroups.users.list', { error: 'fatal_error' });
    await expect(dir.isAdmin('U1')).rejects.toMatchObject({
      code: ErrorCode.AdminCheckFailed,
      details: { reason: 'fatal_error' },
    });
    expect(await dir.isAdmin('U1')).toBe(true);
  });

  it('caps the cache at 60 s whatever it is asked for', async () => {
    let t = 0;
    slack.setGroup('S0ADM', ['U1']);
    const dir = createSlackAdminDirectory({ client, groupId: 'S0ADM', cacheTtlMs: 3_600_000, now: () => t });
    await dir.isAdmin('U1');
    slack.setGroup('S0ADM', []);
    t = 60_000;
    expect(await dir.isAdmin('U1')).toBe(false);
  });
});

describe('Twilio SMS sender (real SDK, fake Twilio)', () => {
  it('sends once with the configured sender and validity, and ignores TWILIO_LOG_LEVEL=debug', async () => {
    const fake = await new FakeTwilio().start();
    vi.stubEnv('TWILIO_LOG_LEVEL', 'debug');
    const consoleLog = vi.spyOn(console, 'log');
    try {
      const sms = createTwilioSmsSender(
        {
          accountSid: FAKE_ACCOUNT_SID,
          auth: { kind: 'authToken', authToken: FAKE_AUTH_TOKEN },
          sender: { kind: 'from', from: FAKE_FROM },
          apiUrl: fake.url,
          timeoutMs: 2000,
        },
        900,
      );
      const receipt = await sms.send({ to: '+15005550006', body: 'secret body' });
      expect(receipt).toEqual({ sid: fake.sent[0]?.sid, status: 'queued' });
      expect(fake.createRequests.map((r) => r.params)).toEqual([
        { To: '+15005550006', ValidityPeriod: '900', From: FAKE_FROM, Body: 'secret body' },
      ]);
      expect(consoleLog).not.toHaveBeenCalled();
    } finally {
      consoleLog.mockRestore();
      vi.unstubAllEnvs();
      await fake.stop();
    }
  });
});

describe('ResetpwTwilioHttpClient (real SDK, fake Twilio)', () => {
  let fake: FakeTwilio;
  beforeAll(async () => {
    fake = await new FakeTwilio().start();
  });
  afterAll(async () => {
    await fake.stop();
  });

  it('rewrites only scheme and host, and keeps nothing of the request or response afterwards', async () => {
    const httpClient = new ResetpwTwilioHttpClient(fake.url, { timeout: 2000 });
    const client = twilio(FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, { httpClient });
    const msg = await client.messages.create({ to: '+15005550006', from: FAKE_FROM, body: 'secret body' });
    expect(msg.sid).toMatch(/^SM/);
    expect(fake.requests[0]?.path).toBe(`/2010-04-01/Accounts/${FAKE_ACCOUNT_SID}/Messages.json`);
    expect(fake.requests[0]?.params.Body).toBe('secret body');
    expect(httpClient.lastRequest).toBeUndefined();
    expect(httpClient.lastResponse).toBeUndefined();
    await expect(client.messages.create({ to: '+15005550001', from: FAKE_FROM, body: 'x' })).rejects.toMatchObject({
      code: 21211,
    });
    expect(httpClient.lastRequest).toBeUndefined();
  });
});
