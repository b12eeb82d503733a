import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastResortHandlers } from '../../src/lib/last-resort.js';
import { slackBodyProblem } from '../../src/lib/slack-request-guard.js';
import { createLogger } from '../../src/logger.js';
import { slackHeaders } from '../fakes/slack-signing.js';
import { ADMIN, type Harness, LogCapture, SIGNING_SECRET, startHarness, waitFor } from '../helpers/harness.js';

/** Validly signed bodies of the wrong shape get a 4xx and a log line; the bot keeps serving. */
describe('malformed but signed requests (issue 8, defect 2)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  const post = (body: string, contentType = 'application/x-www-form-urlencoded') =>
    fetch(`${h.appUrl}/slack/events`, {
      method: 'POST',
      headers: { ...slackHeaders(SIGNING_SECRET, body), 'Content-Type': contentType },
      body,
    });

  it('answers payload=null with 400, logs it, and serves the next command', async () => {
    const res = await post('payload=null');
    expect(res.status).toBe(400);
    expect(h.logs.entries()).toContainEqual(
      expect.objectContaining({ level: 40, msg: 'refused a request that is not a Slack request', status: 400 }),
    );
    const cmd = await h.driver.command(ADMIN);
    expect(cmd.status).toBe(200);
    await waitFor(() => h.slack.callsTo('views.open').length === 1, 5000, 'the form');
  });

  it.each([
    ['payload=', undefined],
    ['payload=%7B%7D', undefined],
    ['payload=1', undefined],
    ['payload=%5B%5D', undefined],
    ['payload=%22text%22', undefined],
    ['payload=%7B&payload=%7D', undefined],
    ['payload=%7Bnot-json', undefined],
    ['foo=bar', undefined],
    ['', undefined],
    ['null', 'application/json'],
    ['[1,2]', 'application/json'],
    ['{"no":"type"}', 'application/json'],
  ] as const)('answers %j with 400', async (body, contentType) => {
    expect((await post(body, contentType)).status).toBe(400);
  });

  it('says in each ack how long the bot took to it (Server-Timing), and nothing in a refusal', async () => {
    const refused = await post('payload=null');
    expect(refused.status).toBe(400);
    expect(refused.headers.get('server-timing')).toBeNull();
    const cmd = await h.driver.command(ADMIN);
    expect(cmd.status).toBe(200);
    // Timed inside the bot, so within the round trip the sender timed around it.
    expect(cmd.appMs).toBeGreaterThan(0);
    expect(cmd.appMs).toBeLessThan(cmd.ackMs);
    const bad = await fetch(`${h.appUrl}/slack/events`, {
      method: 'POST',
      headers: {
        ...slackHeaders('not-the-secret', 'command=%2Fresetpw'),
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'command=%2Fresetpw',
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('server-timing')).toBeNull();
    const ok = await post('command=%2Fresetpw&user_id=U0NOBODY&team_id=T0RESETPW');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('server-timing')).toMatch(/^app;dur=\d+\.\d{3}$/);
  });

  it('answers a body over 1 MiB with 413', async () => {
    const res = await post(`payload=${'x'.repeat(1024 * 1024 + 1)}`);
    expect(res.status).toBe(413);
  });

  it('passes what Slack really sends', () => {
    expect(slackBodyProblem('command=%2Fresetpw&user_id=U1', 'application/x-www-form-urlencoded')).toBeUndefined();
    expect(slackBodyProblem('ssl_check=1&token=x', 'application/x-www-form-urlencoded')).toBeUndefined();
    const submission = {
      type: 'view_submission',
      view: { id: 'V1', callback_id: 'resetpw_modal' },
      user: { id: 'U1' },
    };
    const form = (payload: unknown) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    expect(slackBodyProblem(form(submission), 'application/x-www-form-urlencoded')).toBeUndefined();
    expect(slackBodyProblem(form({ type: 'block_actions', view: {} }), 'application/x-www-form-urlencoded')).toBe(
      'the payload is not a form submission or a button',
    );
    expect(slackBodyProblem(form({ type: 'view_submission', view: {} }), 'application/x-www-form-urlencoded')).toBe(
      'the payload is not a form submission or a button',
    );
    // The App Home's button, and a button payload whose actions are not what Slack sends.
    const press = { type: 'block_actions', user: { id: 'U1' }, actions: [{ action_id: 'home_reset_password' }] };
    expect(slackBodyProblem(form(press), 'application/x-www-form-urlencoded')).toBeUndefined();
    for (const actions of [[], [null], [{}], 'x']) {
      expect(slackBodyProblem(form({ ...press, actions }), 'application/x-www-form-urlencoded')).toBe(
        'the payload is not a form submission or a button',
      );
    }
    expect(slackBodyProblem('{"type":"url_verification","challenge":"x"}', 'application/json')).toBeUndefined();
    // The Events API (the App Home's opening): an event with a type, from a workspace.
    const event = { type: 'event_callback', team_id: 'T1', event: { type: 'app_home_opened', user: 'U1' } };
    expect(slackBodyProblem(JSON.stringify(event), 'application/json')).toBeUndefined();
    for (const broken of [
      { ...event, event: null },
      { ...event, event: {} },
      { ...event, team_id: 1 },
    ]) {
      expect(slackBodyProblem(JSON.stringify(broken), 'application/json')).toBe('not a Slack request');
    }
  });
});

describe('the last-resort handlers', () => {
  it('log what escaped, without its other properties, and return', () => {
    const logs = new LogCapture();
    const handlers = lastResortHandlers(createLogger({ level: 'info', destination: logs }));
    const err = Object.assign(new TypeError("Cannot read properties of null (reading 'ssl_check')"), {
      config: { data: 'Body=Your password is hunter2' },
    });
    expect(() => handlers.unhandledRejection(err)).not.toThrow();
    expect(() => handlers.uncaughtException('a string')).not.toThrow();
    expect(logs.entries()).toEqual([
      expect.objectContaining({
        level: 50,
        event: 'unhandled_rejection',
        err: expect.objectContaining({ type: 'TypeError' }),
      }),
      expect.objectContaining({ level: 50, event: 'uncaught_exception', err: { type: 'string' } }),
    ]);
    expect(logs.text).not.toContain('hunter2');
  });
});

describe('start-up words (issue 8, defect 9)', () => {
  it('says Slack could not be reached, not that it rejected the token, when nothing answers', async () => {
    const { startBot } = await import('../../src/bot.js');
    const { FakeTwilio } = await import('../fakes/fake-twilio.js');
    const { testEnv } = await import('../helpers/harness.js');
    const { FakeSlack } = await import('../fakes/fake-slack.js');
    const twilio = await new FakeTwilio().start();
    const slack = await new FakeSlack().start();
    try {
      // A port nothing listens on (fetch refuses the "bad" low ports before trying).
      const closed = await new Promise<number>((resolve) => {
        const server = createServer().listen(0, '127.0.0.1', () => {
          const { port } = server.address() as AddressInfo;
          server.close(() => resolve(port));
        });
      });
      const env = { ...testEnv(slack, twilio, 'http'), SLACK_API_URL: `http://127.0.0.1:${closed}/api` };
      const message = await startBot(env, { logDestination: new LogCapture() }).then(
        () => 'started',
        (err: Error) => err.message,
      );
      expect(message).toBe(
        'Could not reach Slack for auth.test (ECONNREFUSED); check the network, any proxy, and SLACK_API_URL',
      );
    } finally {
      await Promise.all([twilio.stop(), slack.stop()]);
    }
  }, 30_000);
});
