import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { unansweredRequests } from '../../src/lib/flush.js';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore } from '../../src/store/database.js';
import { slackHeaders } from '../fakes/slack-signing.js';
import {
  ADMIN,
  ADMIN_GROUP,
  type Harness,
  NON_ADMIN,
  SIGNING_SECRET,
  startHarness,
  waitFor,
} from '../helpers/harness.js';

/**
 * Issue 18: the bot acks first and keeps the work that follows an ack until no request waits for its own ack. Over
 * the wire: a burst is acked and every form still opens; refusals are still answered; no request stays counted as
 * waiting (one would hold every later form back), whatever became of it.
 */
describe('acks first, over the wire', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('acks a burst of commands from many admins and then opens every one of their forms', async () => {
    const admins = Array.from({ length: 40 }, (_, i) => `U0BURST${String(i).padStart(2, '0')}`);
    h = await startHarness({ before: ({ slack }) => slack.setGroup(ADMIN_GROUP, admins) });
    const harness = h;
    const acks = await Promise.all(admins.map((admin) => harness.driver.command(admin)));
    expect(acks.map((a) => [a.status, a.body])).toEqual(admins.map(() => [200, '']));
    await waitFor(() => harness.slack.callsTo('views.open').length === admins.length, 10_000, 'every form');
    // Each form opened with its own command's trigger, for the admin who typed it.
    for (const admin of admins) expect(harness.slack.lastViewFor(admin)).toBeDefined();
    const triggers = harness.slack.callsTo('views.open').map((c) => c.args.trigger_id);
    expect(new Set(triggers)).toEqual(new Set(acks.map((a) => a.triggerId)));
    expect(unansweredRequests()).toBe(0);
  });

  it('answers and audits refusals after the acks of a burst of them', async () => {
    h = await startHarness();
    const harness = h;
    const acks = await Promise.all(Array.from({ length: 30 }, () => harness.driver.command(NON_ADMIN)));
    expect(acks.every((a) => a.status === 200 && a.body === '')).toBe(true);
    await waitFor(() => harness.slack.responses.length === 30, 10_000, 'every refusal answered');
    const ids = new Set(acks.map((a) => a.responseUrl.slice(a.responseUrl.lastIndexOf('/') + 1)));
    expect(new Set(harness.slack.responses.map((r) => r.id))).toEqual(ids);
    expect(harness.slack.responses.map((r) => r.body.text)).toEqual(
      acks.map(() => expect.stringContaining('Not allowed')),
    );
    // Audited as before: one row, the repeats counted on it.
    const store = await openStore(String(harness.env.DATABASE_URL));
    try {
      const rows = await createAuditStore(store.db).list({ limit: 100 });
      expect(rows).toEqual([expect.objectContaining({ result: 'refused', adminUserId: NON_ADMIN, repeatCount: 30 })]);
    } finally {
      await store.close();
    }
    expect(unansweredRequests()).toBe(0);
  });

  it('counts out requests refused at the door and bodies that break off', async () => {
    h = await startHarness();
    const url = new URL('/slack/events', h.appUrl);
    const body = 'payload=null';
    expect((await fetch(url, { method: 'POST', headers: slackHeaders(SIGNING_SECRET, body), body })).status).toBe(400);
    // A client that promises 100 bytes, sends 10 and hangs up.
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `POST /slack/events HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\npayload=xx`,
        );
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await waitFor(() => unansweredRequests() === 0, 5000, 'the broken request counted out');
    // And the next command's form still opens at once, not after a wait for the lost one.
    await h.driver.command(ADMIN);
    const harness = h;
    await waitFor(() => harness.slack.callsTo('views.open').length === 1, 5000, 'the form');
  });

  it('does not count a POST whose body never ends (anyone can open one)', async () => {
    h = await startHarness();
    const harness = h;
    const url = new URL('/slack/events', harness.appUrl);
    // No signature, no timestamp: a stranger promises 100,000 bytes and sends a few.
    const socket = await new Promise<import('node:net').Socket>((resolve, reject) => {
      const s = connect(Number(url.port), url.hostname, () => {
        s.write(
          `POST /slack/events HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\npayload=`,
        );
        resolve(s);
      });
      s.on('error', reject);
    });
    try {
      // While it is open, nobody's work waits for it: a command's form opens, and nothing is counted as waiting.
      await harness.driver.command(ADMIN);
      await waitFor(() => harness.slack.callsTo('views.open').length === 1, 5000, 'the form');
      expect(unansweredRequests()).toBe(0);
    } finally {
      socket.destroy();
    }
  });

  it('counts Socket Mode envelopes out once they are acked', async () => {
    h = await startHarness({ mode: 'socket' });
    const harness = h;
    await harness.driver.command(ADMIN);
    await harness.driver.command(NON_ADMIN);
    await waitFor(() => harness.slack.callsTo('views.open').length === 1, 5000, 'the form');
    await waitFor(() => harness.slack.responses.length === 1, 5000, 'the refusal');
    expect(unansweredRequests()).toBe(0);
  });
});
