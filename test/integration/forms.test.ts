import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createResponseUrlNotifier, SLACK_RESPONSE_ORIGINS } from '../../src/adapters/response-url.js';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore } from '../../src/store/database.js';
import { buildResetModal } from '../../src/views/reset-modal.js';
import { ADMIN, type Harness, OTHER_ADMIN, startHarness, waitFor } from '../helpers/harness.js';

const GOOD = { name: 'Jane Doe', code: 'E-1042', phone: '+15005550006' };

/** Issue 8, defect 4: a submission counts only for a form the bot opened, as it opened it. */
describe('trusting only the forms the bot opened', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });
  const open = async () => {
    const opened = h.slack.callsTo('views.open').length;
    const cmd = await h.driver.command(ADMIN);
    await waitFor(() => h.slack.callsTo('views.open').length === opened + 1, 5000, 'the form');
    return cmd;
  };
  const lastRow = async () => {
    const store = await openStore(String(h.env.DATABASE_URL));
    try {
      return (await createAuditStore(store.db).list({ limit: 1 }))[0];
    } finally {
      await store.close();
    }
  };

  it('refuses metadata that points the replies somewhere else, audits it, and posts nowhere', async () => {
    const cmd = await open();
    const evil = JSON.stringify({
      channelId: 'C0HELPDESK',
      responseUrl: 'http://169.254.169.254/latest/meta-data',
      teamId: 'T0RESETPW',
    });
    const res = await h.driver.submit(ADMIN, GOOD, { privateMetadata: evil });
    expect(JSON.stringify(res.body)).toContain('The form came back changed');
    expect(h.twilio.createRequests).toHaveLength(0);
    expect(h.slack.responses).toHaveLength(0);
    expect(await lastRow()).toMatchObject({ result: 'invalid', errorCode: 'INVALID_METADATA:metadata_changed' });
    expect(cmd.responseUrl).not.toBe('');
  });

  it('refuses a view the bot never opened, even with well-formed metadata', async () => {
    const cmd = await open();
    const meta = JSON.stringify({ channelId: 'C0HELPDESK', responseUrl: cmd.responseUrl, teamId: 'T0RESETPW' });
    const forged = { ...buildResetModal({ privateMetadata: meta, defaultCountry: 'US' }) } as Record<string, unknown>;
    h.slack.views.set('V0FORGED1', { id: 'V0FORGED1', userId: ADMIN, view: forged });
    const res = await h.driver.submit(ADMIN, GOOD, { viewId: 'V0FORGED1' });
    expect(JSON.stringify(res.body)).toContain('no record of opening this form');
    expect(h.twilio.createRequests).toHaveLength(0);
    expect(await lastRow()).toMatchObject({ result: 'invalid', errorCode: 'INVALID_METADATA:unknown_form' });
  });

  it("refuses another admin's submission of a form opened for someone else", async () => {
    await open();
    const viewId = h.slack.lastViewFor(ADMIN)?.id ?? '';
    const res = await h.driver.submit(OTHER_ADMIN, GOOD, { viewId });
    expect(JSON.stringify(res.body)).toContain('opened for another admin');
    expect(h.twilio.createRequests).toHaveLength(0);
  });

  it('still processes the form as opened', async () => {
    await open();
    await h.driver.submit(ADMIN, GOOD);
    await waitFor(() => h.slack.responses.length === 1, 5000, 'the outcome');
    expect(h.twilio.createRequests).toHaveLength(1);
  });
});

describe('the response_url notifier', () => {
  it("posts only to Slack's own origins (and the ones it is given)", async () => {
    const notifier = createResponseUrlNotifier();
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'https://hooks.slack.com.evil.example/commands/1',
      'http://hooks.slack.com/commands/1',
      'file:///etc/passwd',
      'not a url',
    ]) {
      await expect(notifier.post(url, { text: 'x' }), url).rejects.toThrow(/response_url is not/);
    }
    expect(SLACK_RESPONSE_ORIGINS).toContain('https://hooks.slack.com');
  });
});
