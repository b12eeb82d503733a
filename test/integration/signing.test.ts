import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../fakes/http-util.js';
import { slashCommandPayload } from '../fakes/slack-driver.js';
import { slackHeaders } from '../fakes/slack-signing.js';
import { ADMIN, type Harness, SIGNING_SECRET, startHarness } from '../helpers/harness.js';

/** HTTP mode accepts only what Slack signed, recently. */
describe('request verification', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${h.appUrl}/slack/events`, { method: 'POST', headers, body });

  const commandBody = () =>
    new URLSearchParams(
      slashCommandPayload({
        userId: ADMIN,
        triggerId: h.slack.issueTrigger(ADMIN),
        responseUrl: h.slack.newResponseUrl(),
      }),
    ).toString();

  it('answers 401 to a forged signature and does nothing', async () => {
    const body = commandBody();
    const res = await post(body, slackHeaders('not-the-signing-secret', body));
    expect(res.status).toBe(401);
    await sleep(200);
    expect(h.slack.calls.filter((c) => c.method !== 'auth.test')).toHaveLength(0);
    expect(h.slack.responses).toHaveLength(0);
  });

  it('answers 401 to a correctly signed but stale request (replay)', async () => {
    const body = commandBody();
    const res = await post(body, slackHeaders(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) - 301));
    expect(res.status).toBe(401);
    await sleep(200);
    expect(h.slack.calls.filter((c) => c.method !== 'auth.test')).toHaveLength(0);
  });

  it('answers 401 to a body changed after signing', async () => {
    const body = commandBody();
    const res = await post(body.replace(ADMIN, 'U0ATTACKR'), slackHeaders(SIGNING_SECRET, body));
    expect(res.status).toBe(401);
  });

  it('serves a health check', async () => {
    const res = await fetch(`${h.appUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});
