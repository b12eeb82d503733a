import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_AUTH_TOKEN } from '../fakes/fake-twilio.js';
import {
  ADMIN,
  APP_TOKEN,
  BOT_TOKEN,
  type Harness,
  OTHER_ADMIN,
  SIGNING_SECRET,
  startHarness,
  waitFor,
} from '../helpers/harness.js';

const N = 20;
const passwordOf = (body: string) => /password is:\n(\S+)\n/.exec(body)?.[1] ?? '';

/** 20 admins' resets at once, with every log line (LOG_LEVEL=debug) and every byte sent to Slack captured. */
describe('20 concurrent resets', () => {
  let h: Harness;
  const acks: number[] = [];
  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'debug' } });
    const users = Array.from({ length: N }, (_, i) => (i % 2 ? ADMIN : OTHER_ADMIN));
    // Each user opens their own modal first (sequentially, so each lastViewFor is unambiguous per call).
    const viewIds: string[] = [];
    for (const u of users) {
      await h.driver.command(u);
      await waitFor(() => h.slack.callsTo('views.open').length === viewIds.length + 1, 5000, 'form');
      viewIds.push(h.slack.lastViewFor(u)?.id ?? '');
    }
    const results = await Promise.all(
      users.map((u, i) =>
        h.driver.submit(
          u,
          { name: `Employee ${i}`, code: `E-${i}`, phone: `+1500555${String(6000 + i).padStart(4, '0')}` },
          {
            viewId: viewIds[i] as string,
          },
        ),
      ),
    );
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ response_action: 'update' });
      acks.push(r.ackMs);
    }
    await waitFor(() => h.slack.responses.length === N, 15_000, 'all outcomes');
  }, 60_000);
  afterAll(async () => {
    await h.stop();
  });

  it('acks every submission within Slack’s 3 s window and texts 20 distinct valid passwords', () => {
    expect(acks.every((ms) => ms < 3000)).toBe(true);
    expect(h.twilio.sent).toHaveLength(N);
    const passwords = h.twilio.sent.map((m) => passwordOf(m.body));
    expect(new Set(passwords).size).toBe(N);
    for (const p of passwords) expect(p).toMatch(/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[@#$%&*!?]).{15,}$/);
    expect(new Set(h.twilio.sent.map((m) => m.to)).size).toBe(N);
  });

  it('never puts a password or a secret in the logs or in anything sent to Slack', () => {
    const secrets = [
      ...h.twilio.sent.map((m) => passwordOf(m.body)),
      BOT_TOKEN,
      APP_TOKEN,
      SIGNING_SECRET,
      FAKE_AUTH_TOKEN,
    ];
    expect(h.logs.lines.length).toBeGreaterThan(100);
    const slackSide = h.slack.everythingReceived;
    for (const s of secrets) {
      expect(h.logs.text).not.toContain(s);
      if (s !== BOT_TOKEN) expect(slackSide).not.toContain(s); // the bot token is its Authorization header, not a body
    }
    // Nor the full phone numbers in the logs (only masked ones).
    for (const m of h.twilio.sent) expect(h.logs.text).not.toContain(m.to);
  });

  it('logs one outcome record per reset with ids, masked phone and SID', () => {
    const outcomes = h.logs.entries().filter((e) => e.event === 'reset_outcome');
    expect(outcomes).toHaveLength(N);
    for (const o of outcomes) {
      expect(o).toMatchObject({
        outcome: 'sent',
        requestId: expect.any(String),
        userId: expect.stringMatching(/^[UW]0ADMIN/),
      });
      expect(String(o.messageSid)).toMatch(/^SM[0-9a-f]{32}$/);
      expect(String(o.maskedPhone)).toMatch(/^\+•+\d{4}$/);
    }
  });
});
