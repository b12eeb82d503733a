import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BLOCK_IDS, CALLBACK_ID } from '../../src/views/reset-modal.js';
import { FAKE_ACCOUNT_SID, FAKE_FROM } from '../fakes/fake-twilio.js';
import { ADMIN, ADMIN_GROUP, BOT_TOKEN, type Harness, startHarness, waitFor } from '../helpers/harness.js';

const EMPLOYEE = { name: 'Jane Q. Doe', code: 'E-1042', phone: '+1 (500) 555-0006', reason: 'INC-20931' };
const E164 = '+15005550006';

describe('happy path over HTTP', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  it('acks the command empty, opens the form, texts a password and tells the admin privately', async () => {
    const cmd = await h.driver.command(ADMIN);
    expect(cmd.status).toBe(200);
    expect(cmd.body).toBe('');
    await waitFor(() => h.slack.callsTo('views.open').length === 1, 5000, 'views.open');

    const [groupCall] = h.slack.callsTo('usergroups.users.list');
    expect(groupCall?.args).toMatchObject({ usergroup: ADMIN_GROUP });
    expect(groupCall?.token).toBe(BOT_TOKEN);
    const [open] = h.slack.callsTo('views.open');
    expect(open?.args.trigger_id).toBe(cmd.triggerId);
    const view = open?.args.view as { callback_id: string; private_metadata: string; blocks: { block_id?: string }[] };
    expect(view.callback_id).toBe(CALLBACK_ID);
    expect(view.blocks.map((b) => b.block_id).filter(Boolean)).toEqual(Object.values(BLOCK_IDS));
    expect(JSON.parse(view.private_metadata)).toEqual({
      channelId: 'C0HELPDESK',
      responseUrl: cmd.responseUrl,
      teamId: 'T0RESETPW',
    });

    const sub = await h.driver.submit(ADMIN, EMPLOYEE);
    expect(sub.status).toBe(200);
    expect(sub.body).toMatchObject({ response_action: 'update', view: { type: 'modal' } });
    expect(JSON.stringify(sub.body)).toContain('Sending');

    await waitFor(() => h.slack.responses.length === 1, 5000, 'private outcome');
    expect(h.twilio.createRequests).toHaveLength(1);
    const req = h.twilio.createRequests[0];
    expect(req?.path).toBe(`/2010-04-01/Accounts/${FAKE_ACCOUNT_SID}/Messages.json`);
    expect(req?.username).toBe(FAKE_ACCOUNT_SID);
    expect(req?.params).toMatchObject({ To: E164, From: FAKE_FROM, ValidityPeriod: '600' });
    const [sms] = h.twilio.inbox(E164);
    const password = /password is:\n(\S+)\n/.exec(sms?.body ?? '')?.[1] ?? '';
    expect(password.length).toBeGreaterThanOrEqual(15);
    expect(sms?.body).toMatch(/^Hi Jane, /);

    const [post] = h.slack.responses;
    expect(post?.contentType).toBe('application/json');
    expect(post?.body).toMatchObject({ response_type: 'ephemeral' });
    const text = String(post?.body.text);
    expect(text).toContain('Temporary password sent');
    expect(text).toContain('Jane Q. Doe');
    expect(text).toContain('+•••••••0006');
    expect(text).toContain(sms?.sid);
    expect(text).toContain('queued');

    await waitFor(() => h.slack.callsTo('views.update').length === 1, 5000, 'modal result');
    const update = h.slack.callsTo('views.update')[0];
    expect(update?.args.view_id).toBe(h.slack.lastViewFor(ADMIN)?.id);
    expect(JSON.stringify(update?.args.view)).toContain('Temporary password sent');
    expect(h.slack.everythingReceived).not.toContain(password);
    expect(JSON.stringify(sub.body)).not.toContain(password);
    expect(h.logs.text).not.toContain(password);
    // Without a directory the text promises nothing about expiry, and start-up said the password is set nowhere.
    expect(sms?.body).not.toMatch(/expire|log in|login/i);
    expect(h.logs.entries()).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: expect.stringContaining('DIRECTORY=none: temporary passwords are texted but not set'),
      }),
    );
  });
});
