import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_IDS } from '../../src/views/reset-modal.js';
import { ADMIN, APP_TOKEN, type Harness, NON_ADMIN, startHarness, waitFor } from '../helpers/harness.js';

/** The default mode: the app dials out to (fake) Slack over a WebSocket and acks envelopes on it. */
describe('socket mode, full flow', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ mode: 'socket' });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('connects with the app-level token', () => {
    const [open] = h.slack.callsTo('apps.connections.open');
    expect(open?.token).toBe(APP_TOKEN);
    expect(h.slack.socketCount).toBe(1);
  });

  it('refuses a non-admin, then runs a reset for an admin from command to SMS', async () => {
    const refused = await h.driver.command(NON_ADMIN);
    expect(refused.body).toBe('');
    await waitFor(() => h.slack.responses.length === 1, 5000, 'refusal');
    expect(String(h.slack.responses[0]?.body.text)).toContain('Not allowed');

    const cmd = await h.driver.command(ADMIN);
    expect(cmd.body).toBe('');
    await waitFor(() => h.slack.callsTo('views.open').length === 1, 5000, 'form');

    const bad = await h.driver.submit(ADMIN, { name: 'Jane Doe', code: 'E-1', phone: 'nope' });
    expect(bad.body).toMatchObject({ response_action: 'errors', errors: { [BLOCK_IDS.phone]: expect.any(String) } });

    const ok = await h.driver.submit(ADMIN, { name: 'Jane Doe', code: 'E-1', phone: '+15005550006' });
    expect(ok.body).toMatchObject({ response_action: 'update' });
    await waitFor(() => h.slack.responses.length === 2, 5000, 'outcome');
    expect(String(h.slack.responses[1]?.body.text)).toContain('Temporary password sent');
    expect(h.twilio.sent).toHaveLength(1);
    const password = /password is:\n(\S+)\n/.exec(h.twilio.sent[0]?.body ?? '')?.[1] ?? '';
    expect(password.length).toBeGreaterThanOrEqual(15);
    expect(h.slack.everythingReceived).not.toContain(password);
    expect(h.logs.text).not.toContain(password);
    expect(h.logs.text).not.toContain('+15005550006');
  });
});
