import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeOkta } from '../fakes/fake-okta.js';
import { ADMIN, type Harness, startHarness, waitFor } from '../helpers/harness.js';
import { OktaPeople } from '../helpers/okta-people.js';
import { auditRows, lookup } from './bot-steps.js';

/**
 * VERIFY_EMPLOYEE's third method through the real bot and the real Okta SDK against the local Okta: a push to the
 * Okta Verify app the employee enrolled. Approved runs the reset; refused stops it and locks; none enrolled offers
 * the code. (Okta polls every 3 s here, as in production: these tests take a few seconds each.)
 */
describe('verifying the employee by their Okta Verify push', () => {
  let okta: FakeOkta;
  let people: OktaPeople;
  let h: Harness | undefined;
  let n = 0;
  beforeAll(async () => {
    okta = await new FakeOkta().start();
    people = new OktaPeople(okta);
  });
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });
  afterAll(async () => {
    await okta?.stop();
  });
  const start = async () => {
    h = await startHarness({
      env: people.botEnv({
        VERIFY_EMPLOYEE: 'required',
        AUDIT_CHANNEL_ID: 'C0ITAUDIT',
        RATE_LIMIT_EMPLOYEE_PER_10_MIN: '0',
      }),
    });
    return h;
  };
  const person = (push: 'approve' | 'reject' | 'none') => {
    const i = ++n;
    const code = `F-${i}${Date.now().toString(36).slice(-4)}`;
    const id = okta.addUser({
      login: `factor${i}@example.com`,
      employeeNumber: code,
      displayName: `Fay Factor${i}`,
      mobilePhone: '+15005550006',
      password: `Old-Factor-${i}-xyzzy`,
    });
    if (push !== 'none') {
      okta.factors.enrollPush(id);
      okta.factors.employeeWill(id, push);
    }
    return { id, code };
  };
  const modal = (harness: Harness) => JSON.stringify(harness.slack.lastViewFor(ADMIN)?.view ?? {});

  it('offers the push with Okta, and runs the reset when the employee approves it', async () => {
    const harness = await start();
    const p = person('approve');
    const step1 = await lookup(harness, p.code);
    expect(JSON.stringify(step1.body)).toContain('"value":"directory_factor"');
    const waiting = await harness.driver.submit(ADMIN, { verifyMethod: 'directory_factor' });
    expect(JSON.stringify(waiting.body)).toContain('Okta Verify');
    await waitFor(() => harness.slack.responses.length >= 1, 20_000, 'the outcome');
    expect(harness.twilio.createRequests).toHaveLength(1);
    expect(okta.factors.pushesTo(p.id)).toHaveLength(1);
    const password = /password is:\n(\S+)\n/.exec(harness.twilio.createRequests[0]?.params.Body ?? '')?.[1] ?? '';
    expect(okta.signIn(p.id, password)).toBe('must_change');
    expect((await auditRows(harness))[0]?.verification?.method).toBe('directory_factor');
  }, 40_000);

  it('stops and locks when the employee refuses the push, and alerts security', async () => {
    const harness = await start();
    const p = person('reject');
    await lookup(harness, p.code);
    await harness.driver.submit(ADMIN, { verifyMethod: 'directory_factor' });
    await waitFor(() => modal(harness).includes('The employee said no'), 20_000, 'the refusal');
    expect(harness.twilio.createRequests).toHaveLength(0);
    expect(harness.slack.channelHistory('C0ITAUDIT').some((t) => t.includes('Reset declined by the employee'))).toBe(
      true,
    );
    await lookup(harness, p.code);
    await harness.driver.submit(ADMIN, { verifyMethod: 'code' });
    await waitFor(() => modal(harness).includes('Verification locked'), 5000, 'the lock');
    expect(harness.twilio.createRequests).toHaveLength(0);
  }, 40_000);

  it('offers the code when the employee has no push enrolled', async () => {
    const harness = await start();
    const p = person('none');
    await lookup(harness, p.code);
    await harness.driver.submit(ADMIN, { verifyMethod: 'directory_factor' });
    await waitFor(() => modal(harness).includes('no Okta Verify push enrolled'), 10_000, 'the fallback');
    expect(JSON.stringify(harness.slack.lastViewFor(ADMIN)?.view)).toContain('Text a code instead');
  }, 40_000);
});
