import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, ADMIN_GROUP, type Harness, NON_ADMIN, startHarness, waitFor } from '../helpers/harness.js';

/** The slash command: who gets the form, who gets a refusal, and what happens when the check itself fails. */
describe('/resetpw admin gate', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  const refusal = async () => {
    await waitFor(() => h.slack.responses.length === 1, 5000, 'ephemeral refusal');
    const [post] = h.slack.responses;
    expect(post?.body.response_type).toBe('ephemeral');
    return String(post?.body.text);
  };

  it('refuses a non-admin privately, naming the group, and opens nothing', async () => {
    const cmd = await h.driver.command(NON_ADMIN);
    expect(cmd).toMatchObject({ status: 200, body: '' });
    const text = await refusal();
    expect(text).toContain(ADMIN_GROUP);
    expect(text).toContain('Not allowed');
    expect(h.slack.responses[0]?.id).toBe(cmd.responseUrl.split('/').pop());
    expect(h.slack.callsTo('views.open')).toHaveLength(0);
    expect(h.twilio.requests).toHaveLength(0);
  });

  it('posts a refusal to a dead response_url once, not again from the error handler', async () => {
    h.slack.responseUrlStatus = 404;
    await h.driver.command(NON_ADMIN);
    await waitFor(() => h.logs.text.includes('could not tell the caller about the refusal'), 5000, 'the log line');
    await new Promise((r) => setTimeout(r, 200));
    expect(h.slack.responses).toHaveLength(1);
  });

  it.each([
    ['no_such_subteam', { error: 'no_such_subteam' }, /admin user group does not exist/],
    ['plan_upgrade_required', { error: 'plan_upgrade_required' }, /paid Slack plan/],
    ['missing_scope', { error: 'missing_scope' }, /usergroups:read/],
    ['rate limit (429)', { status: 429, retryAfter: 30 }, /rate limiting/],
    ['HTTP 500 (after retries)', { status: 500, times: 3 }, /http_500/],
    ['timeout', { delayMs: 2500 }, /did not answer in time/],
  ])('fails closed when the group check fails: %s', async (_label, fault, reason) => {
    h.slack.failNext('usergroups.users.list', fault);
    const cmd = await h.driver.command(ADMIN);
    expect(cmd.status).toBe(200);
    const text = await refusal();
    expect(text).toContain('Could not confirm you are an admin');
    expect(text).toMatch(reason);
    expect(h.slack.callsTo('views.open')).toHaveLength(0);
  });

  it('caches membership for the command (one group call for two commands)', async () => {
    await h.driver.command(ADMIN);
    await h.driver.command(ADMIN);
    await waitFor(() => h.slack.callsTo('views.open').length === 2, 5000, 'two forms');
    expect(h.slack.callsTo('usergroups.users.list')).toHaveLength(1);
  });

  it('tells the admin to retry when the trigger expired before the form could open', async () => {
    await h.driver.command(ADMIN, { triggerIssuedAt: Date.now() - 3500 });
    await waitFor(() => h.slack.responses.length === 1, 5000, 'ephemeral error');
    expect(h.slack.callsTo('views.open')).toHaveLength(1);
    const text = String(h.slack.responses[0]?.body.text);
    expect(text).toContain('The form took too long to open');
    expect(text).toContain('Run /resetpw again');
  });

  it('reports any other views.open failure in plain words', async () => {
    h.slack.failNext('views.open', { error: 'view_too_large' });
    await h.driver.command(ADMIN);
    await waitFor(() => h.slack.responses.length === 1, 5000, 'ephemeral error');
    expect(String(h.slack.responses[0]?.body.text)).toContain('view_too_large');
  });
});
