import { afterEach, describe, expect, it } from 'vitest';
import { MAGIC_TO } from '../fakes/fake-twilio.js';
import { ADMIN, type Harness, NON_ADMIN, startHarness, waitFor } from '../helpers/harness.js';
import { LdapPeople } from '../helpers/ldap-people.js';
import { ldapBotEnv, requireSlapd, startSlapd } from '../helpers/slapd.js';

/** Issue 9: Prometheus metrics after a scripted set of resets, with bounded label values only. */
describe('/metrics', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  const scrape = async (base: string) => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return res.text();
  };
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };
  const reset = async (harness: Harness, phone: string, code = 'E-1042') => {
    const opened = harness.slack.callsTo('views.open').length;
    await harness.driver.command(ADMIN);
    await waitFor(() => harness.slack.callsTo('views.open').length === opened + 1, 5000, 'the form');
    return harness.driver.submit(ADMIN, { name: 'Jane Doe', code, phone });
  };

  it('counts outcomes, refusals, limits and sends, and times Slack, Twilio and the acks (http mode)', async () => {
    h = await startHarness();
    const harness = h;
    await reset(harness, '+15005550006'); // sent
    await waitFor(() => harness.slack.responses.length === 1, 5000, 'the first outcome');
    await reset(harness, '+15005550006'); // rate limited: one reset per employee per 10 minutes
    await waitFor(() => harness.slack.responses.length === 2, 5000, 'the second outcome');
    await reset(harness, MAGIC_TO.optedOut, 'E-2'); // Twilio refuses
    await waitFor(() => harness.slack.responses.length === 3, 5000, 'the third outcome');
    await reset(harness, '+1 900 555 0199', 'E-3'); // invalid form: premium-rate number
    await harness.driver.command(NON_ADMIN); // refused
    await waitFor(() => harness.slack.responses.length === 4, 5000, 'the refusal');

    const text = await scrape(harness.appUrl ?? '');
    expect(value(text, 'resetpw_resets_total{outcome="sent"}')).toBe(1);
    expect(value(text, 'resetpw_resets_total{outcome="rate_limited"}')).toBe(1);
    expect(value(text, 'resetpw_resets_total{outcome="failed"}')).toBe(1);
    // Refusals at any step are outcomes too: the non-admin's command and the invalid form, each counted once.
    expect(value(text, 'resetpw_resets_total{outcome="refused"}')).toBe(1);
    expect(value(text, 'resetpw_resets_total{outcome="invalid"}')).toBe(1);
    expect(value(text, 'resetpw_refusals_total{reason="RATE_LIMITED"}')).toBe(1);
    expect(value(text, 'resetpw_refusals_total{reason="INVALID_FORM"}')).toBe(1);
    expect(value(text, 'resetpw_refusals_total{reason="NOT_ADMIN"}')).toBe(1);
    expect(value(text, 'resetpw_rate_limited_total{limit="employee_10m"}')).toBe(1);
    expect(value(text, 'resetpw_sms_send_seconds_count{result="ok"}')).toBe(1);
    expect(value(text, 'resetpw_sms_send_seconds_count{result="SMS_OPTED_OUT"}')).toBe(1);
    expect(value(text, 'resetpw_admin_check_seconds_count{fresh="true",result="ok"}')).toBe(3);
    expect(value(text, 'resetpw_slack_ack_seconds_count{status="200"}')).toBeGreaterThanOrEqual(9);
    expect(value(text, 'resetpw_resets_in_flight')).toBe(0);
    expect(text).toContain('process_cpu_user_seconds_total');
    // Bounded labels: no user ids, employee codes or numbers.
    for (const secret of [ADMIN, NON_ADMIN, 'E-1042', '5005550006', '9005550199']) expect(text).not.toContain(secret);
  });

  it("exports the event loop's delay since the previous scrape (what an operator watches under a burst)", async () => {
    h = await startHarness();
    const base = h.appUrl ?? '';
    await scrape(base); // the delay reported is the delay since the previous scrape
    // The monitor starts again at a scrape: its first 10 ms sample after one only sets the clock.
    await new Promise((resolve) => setTimeout(resolve, 30));
    // The bot shares this process: hold its event loop for 150 ms, as a long piece of work would.
    const until = performance.now() + 150;
    while (performance.now() < until);
    const text = await scrape(base);
    for (const q of ['p50', 'p90', 'p99', 'min', 'max', 'mean']) {
      expect(text).toContain(`# TYPE nodejs_eventloop_lag_${q}_seconds gauge`);
    }
    // Sampled every 10 ms: the held loop is one late sample of at least the time it was held.
    expect(value(text, 'nodejs_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual(0.15);
    expect(value(text, 'nodejs_eventloop_lag_p50_seconds')).toBeGreaterThan(0);
  });

  it('serves on HEALTH_PORT in Socket Mode, timing acks sent over the WebSocket', async () => {
    h = await startHarness({ mode: 'socket', env: { HEALTH_PORT: '0' } });
    const harness = h;
    await harness.driver.command(ADMIN);
    await harness.driver.command(NON_ADMIN);
    await waitFor(() => harness.slack.callsTo('views.open').length === 1, 5000, 'the form');
    const text = await scrape(`http://127.0.0.1:${h.bot.healthPort}`);
    expect(text).toContain('resetpw_resets_in_flight 0');
    expect(value(text, 'resetpw_slack_ack_seconds_count{status="socket"}')).toBe(2);
  });

  it.runIf(requireSlapd())('times directory operations by kind, operation and result', async () => {
    const slapd = await startSlapd();
    try {
      await new LdapPeople(slapd).add({ uid: 'metric', code: 'E-METRIC', mobile: '+15005550006' });
      h = await startHarness({ env: ldapBotEnv(slapd) });
      const harness = h;
      await harness.driver.command(ADMIN);
      await waitFor(() => harness.slack.callsTo('views.open').length === 1, 5000, 'the form');
      await harness.driver.submit(ADMIN, { code: 'E-METRIC' });
      await harness.driver.submit(ADMIN, {});
      await waitFor(() => harness.slack.responses.length === 1, 10_000, 'the outcome');
      const text = await scrape(harness.appUrl ?? '');
      expect(value(text, 'resetpw_directory_operation_seconds_count{kind="ldap",operation="lookup",result="ok"}')).toBe(
        2,
      );
      expect(
        value(text, 'resetpw_directory_operation_seconds_count{kind="ldap",operation="set_password",result="ok"}'),
      ).toBe(1);
      expect(text).not.toContain('E-METRIC');
    } finally {
      await slapd.stop();
    }
  });
});
