import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BLOCK_IDS } from '../../src/views/reset-modal.js';
import { MAGIC_TO } from '../fakes/fake-twilio.js';
import { ADMIN, ADMIN_GROUP, type Harness, startHarness, waitFor } from '../helpers/harness.js';

const GOOD = { name: 'Jane Doe', code: 'E-1042', phone: '+15005550006' };

/** The modal submission: validation, the fresh admin re-check, and how each Twilio answer reaches the admin. */
describe('form submission', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await h.driver.command(ADMIN);
    await waitFor(() => h.slack.callsTo('views.open').length === 1, 5000, 'form');
  });
  afterEach(async () => {
    await h.stop();
  });

  const outcome = async () => {
    await waitFor(() => h.slack.responses.length === 1, 8000, 'private outcome');
    await waitFor(() => h.slack.callsTo('views.update').length === 1, 8000, 'modal result');
    const text = String(h.slack.responses[0]?.body.text);
    expect(JSON.stringify(h.slack.callsTo('views.update')[0]?.args.view)).toContain(text.split('\n')[0]?.slice(0, 30));
    return text;
  };

  it('keeps the modal open with inline errors on the right fields and sends nothing', async () => {
    const res = await h.driver.submit(ADMIN, { name: '42', code: 'E 1', phone: '555' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      response_action: 'errors',
      errors: {
        [BLOCK_IDS.name]: 'A name must contain at least one letter.',
        [BLOCK_IDS.code]: 'Use only letters, digits and dashes.',
        [BLOCK_IDS.phone]: expect.stringContaining('not a valid phone number'),
      },
    });
    // Fixing the typo on the same modal then goes through.
    const again = await h.driver.submit(ADMIN, GOOD);
    expect(again.body).toMatchObject({ response_action: 'update' });
    expect(await outcome()).toContain('Temporary password sent');
    expect(h.twilio.createRequests).toHaveLength(1);
  });

  it('refuses an admin removed from the group after opening the form (fresh check)', async () => {
    h.slack.setGroup(ADMIN_GROUP, ['U0SOMEONE']);
    const res = await h.driver.submit(ADMIN, GOOD);
    expect(res.body).toMatchObject({ response_action: 'update' });
    const text = await outcome();
    expect(text).toContain('Not allowed');
    expect(text).toContain(ADMIN_GROUP);
    expect(h.slack.callsTo('usergroups.users.list')).toHaveLength(2);
    expect(h.twilio.requests).toHaveLength(0);
  });

  it('fails closed when the re-check cannot be made', async () => {
    h.slack.failNext('usergroups.users.list', { error: 'no_such_subteam' });
    await h.driver.submit(ADMIN, GOOD);
    expect(await outcome()).toContain('Could not confirm you are an admin');
    expect(h.twilio.requests).toHaveLength(0);
  });

  it.each([
    [MAGIC_TO.invalid, 21211, 'invalid number'],
    [MAGIC_TO.unroutable, 21612, 'number unreachable from our sender'],
    [MAGIC_TO.noInternationalPermission, 21408, 'country not enabled'],
    [MAGIC_TO.optedOut, 21610, 'employee opted out'],
    [MAGIC_TO.notMobile, 21614, 'not a mobile number'],
    [MAGIC_TO.landline, 21635, 'not a mobile number'],
  ])('explains Twilio error for %s (%i) and sends once', async (to, code, title) => {
    await h.driver.submit(ADMIN, { ...GOOD, phone: to });
    const text = await outcome();
    expect(text).toContain(`Text not sent: ${title}`);
    expect(text).toContain(`Twilio error ${code}`);
    expect(text).toContain('What to do:');
    expect(text).toContain('+•••••••');
    expect(h.twilio.createRequests).toHaveLength(1);
    expect(h.twilio.sent).toHaveLength(0);
  });

  it('retries a 429 (nothing was created) and then reports the rate limit', async () => {
    await h.driver.submit(ADMIN, { ...GOOD, phone: MAGIC_TO.rateLimited });
    const text = await outcome();
    expect(text).toContain('SMS provider busy');
    expect(text).toContain('20429');
    expect(h.twilio.createRequests).toHaveLength(3);
  });

  it('reports a Twilio 500 as outcome unknown, without retrying', async () => {
    await h.driver.submit(ADMIN, { ...GOOD, phone: MAGIC_TO.serverError });
    const text = await outcome();
    expect(text).toContain('Outcome unknown');
    // Issue 8, defect 9: a 500 is a server error, not a timeout.
    expect(text).toContain('Twilio answered with a server error (HTTP 500, Twilio error 20500)');
    expect(text).not.toContain('did not answer in time');
    expect(h.twilio.createRequests).toHaveLength(1);
  });

  it('on a Twilio timeout sends exactly once and says the outcome is unknown', async () => {
    await h.driver.submit(ADMIN, { ...GOOD, phone: MAGIC_TO.slow });
    const text = await outcome();
    expect(text).toContain('Outcome unknown: the text may or may not have been sent');
    expect(text).toContain('Twilio did not answer in time.');
    expect(text).toContain('did not retry');
    expect(text).toContain('Twilio console');
    await new Promise((r) => setTimeout(r, 1200)); // the fake answers late; still nothing more is sent
    expect(h.twilio.createRequests).toHaveLength(1);
  });

  it('still updates the modal when the response_url is gone', async () => {
    h.slack.responseUrlStatus = 404;
    await h.driver.submit(ADMIN, GOOD);
    await waitFor(() => h.slack.callsTo('views.update').length === 1, 5000, 'modal result');
    expect(JSON.stringify(h.slack.callsTo('views.update')[0]?.args.view)).toContain('Temporary password sent');
    await waitFor(() => h.logs.text.includes('could not post the result to the admin'), 2000, 'log line');
  });

  it('on shutdown, finishes a send already under way and reports it', async () => {
    h.twilio.slowMs = 400;
    await h.driver.submit(ADMIN, { ...GOOD, phone: MAGIC_TO.slow });
    await waitFor(() => h.twilio.createRequests.length === 1, 5000, 'send started');
    await h.bot.stop();
    expect(h.twilio.sent).toHaveLength(1);
    expect(String(h.slack.responses[0]?.body.text)).toContain('Temporary password sent');
  });

  it('rejects a form whose private_metadata does not validate, sending nothing', async () => {
    const res = await h.driver.submit(ADMIN, GOOD, { privateMetadata: '{"responseUrl":"file:///etc/passwd"}' });
    expect(res.body).toMatchObject({ response_action: 'update' });
    expect(JSON.stringify(res.body)).toContain('This form cannot be used');
    expect(h.twilio.requests).toHaveLength(0);
    expect(h.slack.callsTo('usergroups.users.list')).toHaveLength(1);
  });
});

describe('Twilio unreachable', () => {
  it('says nothing was sent when the connection is refused', async () => {
    const h = await startHarness({ env: { TWILIO_API_URL: 'http://127.0.0.1:1' } });
    try {
      await h.driver.command(ADMIN);
      await waitFor(() => h.slack.callsTo('views.open').length === 1, 5000, 'form');
      await h.driver.submit(ADMIN, GOOD);
      await waitFor(() => h.slack.responses.length === 1, 5000, 'private outcome');
      expect(String(h.slack.responses[0]?.body.text)).toContain('SMS provider unreachable');
    } finally {
      await h.stop();
    }
  });
});
