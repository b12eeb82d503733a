import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import type { AuditRecord, DeliveryEvent } from '../../src/ports/index.js';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore } from '../../src/store/database.js';
import { DELIVERY_TO, FAKE_ACCOUNT_SID } from '../fakes/fake-twilio.js';
import { ADMIN, type Harness, type HarnessOptions, startHarness, waitFor } from '../helpers/harness.js';

const JANE = { name: 'Jane Doe', code: 'E-1042', phone: '+15005550006' };
const FAST = { SMS_STATUS_POLL_MS: '20' };
const noop = () => undefined;

/** After the send: status polling, the admin's final word, the audit's delivery states and the redaction. */
describe('delivery tracking', () => {
  const harnesses: Harness[] = [];
  afterEach(async () => {
    for (const h of harnesses.splice(0).reverse()) await h.stop();
  });

  async function start(options: HarnessOptions = {}) {
    const h = await startHarness({ ...options, env: { ...FAST, ...options.env } });
    harnesses.push(h);
    return h;
  }

  async function reset(h: Harness, employee = JANE) {
    await h.driver.command(ADMIN);
    await waitFor(() => h.slack.callsTo('views.open').length >= 1, 5000, 'form');
    await h.driver.submit(ADMIN, employee);
  }

  async function audit(h: Harness): Promise<{ row: AuditRecord; events: DeliveryEvent[] }> {
    const store = await openStore(String(h.env.DATABASE_URL));
    try {
      const a = createAuditStore(store.db);
      const [row] = await a.list({ limit: 1 });
      if (!row) throw new Error('no audit row');
      return { row, events: (await a.deliveryEvents([row.id])).get(row.id) ?? [] };
    } finally {
      await store.close();
    }
  }

  it('tells the admin privately once delivered, records each state and blanks the body at Twilio once', async () => {
    const h = await start();
    h.twilio.fetchFaults.push({ status: 503, code: 20503 }); // a passing Twilio hiccup is ridden out
    await reset(h);
    await waitFor(() => h.slack.responses.length === 2, 5000, 'the delivery follow-up');
    const [sent, delivered] = h.slack.responses.map((r) => String(r.body.text));
    expect(sent).toContain('Temporary password sent');
    expect(delivered).toContain('Delivered: temporary password text');
    expect(delivered).toContain("The text reached the employee's phone.");
    expect(delivered).toContain('Jane Doe at +•••••••0006');
    expect(h.slack.responses[1]?.id).toBe(h.slack.responses[0]?.id); // the same command's response_url

    await waitFor(() => h.twilio.updateRequests.length === 1, 5000, 'the redaction');
    const sid = h.twilio.sent[0]?.sid ?? '';
    const [redaction] = h.twilio.updateRequests;
    expect(redaction?.path).toBe(`/2010-04-01/Accounts/${FAKE_ACCOUNT_SID}/Messages/${sid}.json`);
    expect(redaction?.raw).toBe('Body=');
    expect(h.twilio.storedBody(sid)).toBe('');
    expect(h.twilio.fetchRequests.every((r) => r.path.endsWith(`/Messages/${sid}.json`))).toBe(true);

    await waitFor(() => h.logs.text.includes('message body redacted at Twilio'), 2000, 'redaction logged');
    const { row, events } = await audit(h);
    expect(row).toMatchObject({ result: 'delivered', deliveryStatus: 'delivered', messageSid: sid });
    expect(row.redactedAt).toMatch(/^\d{4}-/);
    expect(events.map((e) => e.status)).toEqual(['queued', 'sent', 'delivered']);
    const out: string[] = [];
    expect(await runCli(['audit', '--json'], { DATABASE_URL: h.env.DATABASE_URL }, (t) => out.push(t), noop)).toBe(0);
    const [listed] = JSON.parse(out.join('')) as (AuditRecord & { deliveryEvents: DeliveryEvent[] })[];
    expect(listed?.deliveryEvents.map((e) => e.status)).toEqual(['queued', 'sent', 'delivered']);
    await new Promise((r) => setTimeout(r, 200)); // nothing more happens once final
    expect(h.twilio.updateRequests).toHaveLength(1);
    expect(h.slack.responses).toHaveLength(2);
  });

  it.each([
    [DELIVERY_TO.unreachable, 30003, 'The phone is unreachable', 'undelivered'],
    [DELIVERY_TO.unknownNumber, 30005, 'no longer in service', 'undelivered'],
    [DELIVERY_TO.landline, 30006, 'landline', 'undelivered'],
    [DELIVERY_TO.filtered, 30007, 'filtered the message as spam', 'undelivered'],
    [DELIVERY_TO.expired, 30036, 'validity period', 'failed'],
  ])('explains an undelivered text to %s (%i) and records it', async (phone, code, words, twilioStatus) => {
    const h = await start();
    await reset(h, { ...JANE, phone });
    await waitFor(() => h.slack.responses.length === 2, 5000, 'the delivery follow-up');
    const text = String(h.slack.responses[1]?.body.text);
    expect(text).toContain('Not delivered: temporary password text');
    expect(text).toContain(words);
    expect(text).toContain(`Twilio error ${code}`);
    expect(text).toContain('What to do:');
    await waitFor(() => h.twilio.updateRequests.length === 1, 5000, 'the redaction');
    const { row, events } = await audit(h);
    expect(row).toMatchObject({ result: 'undelivered', deliveryStatus: twilioStatus, deliveryErrorCode: code });
    expect(events.at(-1)).toMatchObject({ status: twilioStatus, errorCode: code });
  });

  it('lets the admin try again at once after a text that never arrived, as the advice says', async () => {
    const h = await start();
    await reset(h, { ...JANE, phone: DELIVERY_TO.unreachable });
    await waitFor(() => h.slack.responses.length === 2, 5000, 'the delivery follow-up');
    await h.driver.command(ADMIN);
    await waitFor(() => h.slack.callsTo('views.open').length === 2, 5000, 'second form');
    await h.driver.submit(ADMIN, JANE); // same employee, the right number this time
    await waitFor(() => h.slack.responses.length === 4, 5000, 'second result and its follow-up');
    expect(String(h.slack.responses[2]?.body.text)).toContain('Temporary password sent');
    expect(h.twilio.sent).toHaveLength(2);
    // A delivered text, on the other hand, holds the 10-minute spacing.
    await h.driver.command(ADMIN);
    await waitFor(() => h.slack.callsTo('views.open').length === 3, 5000, 'third form');
    await h.driver.submit(ADMIN, JANE);
    await waitFor(() => h.slack.responses.length === 5, 5000, 'third result');
    expect(String(h.slack.responses[4]?.body.text)).toContain('Not sent: rate limit reached');
  });

  it('leaves the body at Twilio when SMS_REDACT=false', async () => {
    const h = await start({ env: { SMS_REDACT: 'false' } });
    await reset(h);
    await waitFor(() => h.slack.responses.length === 2, 5000, 'the delivery follow-up');
    await new Promise((r) => setTimeout(r, 200));
    expect(h.twilio.updateRequests).toHaveLength(0);
    expect((await audit(h)).row.redactedAt).toBeUndefined();
  });

  it('stops following a message Twilio says it does not know, without a misleading follow-up', async () => {
    const h = await start();
    h.twilio.fetchFaults.push({ status: 404, code: 20404 });
    await reset(h);
    await waitFor(() => h.logs.text.includes('Twilio will not report this message'), 5000, 'the warning');
    await new Promise((r) => setTimeout(r, 200));
    expect(h.twilio.fetchRequests).toHaveLength(1);
    expect(h.slack.responses).toHaveLength(1);
    expect((await audit(h)).row).toMatchObject({ result: 'sent', deliveryStatus: 'queued' });
  });

  it('resumes after a restart: the next process follows the message, tells the admin by DM and redacts', async () => {
    const first = await startHarness({ env: { SMS_STATUS_POLL_MS: '60000' } });
    await reset(first);
    await waitFor(() => first.slack.responses.length === 1, 5000, 'sent');
    await first.bot.stop();
    expect(first.twilio.fetchRequests).toHaveLength(0);
    expect((await audit(first)).row).toMatchObject({ result: 'sent', deliveryStatus: 'queued' });

    const second = await start({
      fakes: { slack: first.slack, twilio: first.twilio },
      env: { DATABASE_URL: String(first.env.DATABASE_URL) },
    });
    harnesses.unshift(first); // stopped last: it owns the fakes
    await waitFor(() => second.slack.callsTo('chat.postMessage').length === 1, 5000, 'the DM');
    expect(second.slack.callsTo('conversations.open')[0]?.args.users).toBe(ADMIN);
    const dm = String(second.slack.callsTo('chat.postMessage')[0]?.args.text);
    expect(dm).toContain('Delivered: temporary password text');
    expect(dm).toContain('Jane Doe at +•••••••0006');
    await waitFor(() => second.twilio.updateRequests.length === 1, 5000, 'the redaction');
    expect((await audit(second)).row).toMatchObject({ result: 'delivered' });
    expect(second.twilio.createRequests).toHaveLength(1); // following a message never sends it again
  });
});

describe('audit channel', () => {
  it('posts one message per reset, with the masked number only, and updates it when delivered', async () => {
    const h = await startHarness({ env: { ...FAST, AUDIT_CHANNEL_ID: 'C0AUDIT01' } });
    try {
      await h.driver.command('U0NOTADMN'); // a refused attempt is announced too
      await waitFor(() => h.slack.callsTo('chat.postMessage').length === 1, 5000, 'refusal announced');
      await h.driver.command(ADMIN);
      await waitFor(() => h.slack.callsTo('views.open').length === 1, 5000, 'form');
      await h.driver.submit(ADMIN, { ...JANE, reason: 'INC-7' });
      await waitFor(() => h.slack.callsTo('chat.update').length === 1, 5000, 'delivery update');

      const posts = h.slack.callsTo('chat.postMessage');
      expect(posts.map((p) => p.args.channel)).toEqual(['C0AUDIT01', 'C0AUDIT01']);
      expect(String(posts[0]?.args.text)).toContain('<@U0NOTADMN>');
      expect(String(posts[0]?.args.text)).toContain('*refused* · NOT_ADMIN');
      const sid = h.twilio.sent[0]?.sid ?? '';
      expect(posts[1]?.args.text).toBe(
        `:outbox_tray: Password reset by <@${ADMIN}> for *Jane Doe* (E-1042) at +•••••••0006: *sent* · \`${sid}\``,
      );
      const [update] = h.slack.callsTo('chat.update');
      expect(update?.args).toMatchObject({ channel: 'C0AUDIT01' });
      expect(String(update?.args.text)).toContain('*delivered* · Twilio delivered');
      const { announcementTs } = await auditRow(h);
      expect(announcementTs).toMatch(/^\d+\.\d{6}$/);
      expect(update?.args.ts).toBe(announcementTs);
      const password = /password is:\n(\S+)\n/.exec(h.twilio.sent[0]?.body ?? '')?.[1] ?? '';
      const channelText = JSON.stringify([...posts, update].map((c) => c?.args));
      expect(channelText).not.toContain(password);
      expect(channelText).not.toContain('+15005550006');
    } finally {
      await h.stop();
    }
  });
});

async function auditRow(h: Harness): Promise<AuditRecord> {
  const store = await openStore(String(h.env.DATABASE_URL));
  try {
    const [row] = await createAuditStore(store.db).list({ limit: 1 });
    if (!row) throw new Error('no audit row');
    return row;
  } finally {
    await store.close();
  }
}
