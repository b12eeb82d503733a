import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/database.js';
import { FakeOkta } from '../fakes/fake-okta.js';
import { ADMIN, type Harness, startHarness, waitFor } from '../helpers/harness.js';
import { OktaPeople } from '../helpers/okta-people.js';
import { auditRows, confirm, lookup, textedPassword } from './bot-steps.js';

/**
 * TEMP_PASSWORD_TTL through the running bot, with a real (short) TTL: the local Okta as the directory, the real
 * SDK, the store on SQLite. What the employee's sign-in says after the expiry is the proof.
 */
describe('temporary passwords expire (TEMP_PASSWORD_TTL)', () => {
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

  const start = async (env: Record<string, string> = {}) => {
    h = await startHarness({
      env: people.botEnv({ TEMP_PASSWORD_TTL: '10s', RATE_LIMIT_EMPLOYEE_PER_10_MIN: '0', ...env }),
    });
    return h;
  };
  const person = () => {
    const i = ++n;
    const code = `X-${i}${Date.now().toString(36).slice(-4)}`;
    const password = `Old-Expiry-${i}-xyzzy`;
    const id = okta.addUser({
      login: `exp${i}@example.com`,
      employeeNumber: code,
      displayName: `Eve Expiry${i}`,
      mobilePhone: '+15005550006',
      password,
    });
    return { id, code, password };
  };
  const reset = async (harness: Harness, code: string) => {
    const before = harness.slack.responses.length;
    await lookup(harness, code);
    await confirm(harness);
    await waitFor(() => harness.slack.responses.length === before + 1, 10_000, 'the outcome');
  };
  /** The expiry rows as the store holds them. */
  const expiries = async (harness: Harness) => {
    const store = await openStore(String(harness.env.DATABASE_URL));
    try {
      return await store.db.selectFrom('expiries').selectAll().orderBy('due_at').execute();
    } finally {
      await store.close();
    }
  };
  /** Polls the store until the oldest expiry is done. */
  const expiryDone = async (harness: Harness, within: number) => {
    const until = Date.now() + within;
    while (Date.now() < until) {
      if ((await expiries(harness))[0]?.state === 'done') return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('the expiry did not run');
  };
  const dms = (harness: Harness) => harness.slack.callsTo('chat.postMessage').map((c) => String(c.args.text));

  it('scrambles a temporary password nobody used once the TTL passes, ends the sessions, and tells the admin', async () => {
    const harness = await start();
    const p = person();
    await reset(harness, p.code);
    const password = textedPassword(harness);
    expect(okta.signIn(p.id, password)).toBe('must_change');
    const [scheduled] = await expiries(harness);
    expect(scheduled).toMatchObject({ state: 'pending', account_id: p.id, admin_user_id: ADMIN });
    const dueIn = Date.parse(String(scheduled?.due_at)) - Date.now();
    expect(dueIn).toBeGreaterThan(5_000);
    expect(dueIn).toBeLessThanOrEqual(10_000);

    await waitFor(() => dms(harness).some((t) => t.includes('Temporary password expired')), 25_000, 'the expiry');
    expect(okta.signIn(p.id, password)).toBe('invalid');
    expect(okta.signIn(p.id, p.password)).toBe('invalid');
    expect(okta.user(p.id).status).toBe('PASSWORD_EXPIRED');
    const notice = dms(harness).find((t) => t.includes('Temporary password expired')) ?? '';
    expect(notice).toContain('Eve Expiry');
    expect(notice).toContain('randomised in Okta and their sign-in sessions were ended');
    expect(notice).not.toContain(password);
    await expiryDone(harness, 5000); // the DM goes out just before the row is finished
    expect((await expiries(harness))[0]).toMatchObject({ state: 'done', outcome: 'expired' });
    expect((await auditRows(harness))[0]?.directoryStep).toMatchObject({ result: 'scrambled', detail: 'expired' });
    expect(harness.logs.text).not.toContain(password);
  }, 40_000);

  it('leaves alone a password the employee replaced with their own, and tells the admin the ticket can be closed', async () => {
    const harness = await start();
    const p = person();
    await reset(harness, p.code);
    okta.changeOwnPassword(p.id, 'Eves-Own-Choice-42');
    const changedAt = okta.user(p.id).passwordChanged ?? '';
    await expiryDone(harness, 25_000);
    expect((await expiries(harness))[0]?.outcome).toBe('changed');
    expect(okta.signIn(p.id, 'Eves-Own-Choice-42')).toBe('ok');
    expect(dms(harness).some((t) => t.includes('expired'))).toBe(false);
    const notice = dms(harness).find((t) => t.includes('Password changed')) ?? '';
    expect(notice).toContain('Eve Expiry');
    expect(notice).toContain('set a new password of their own in Okta at <!date^');
    // The directory's own time of the change, in the reader's time zone.
    expect(notice).toContain(`<!date^${Math.floor(Date.parse(changedAt) / 1000)}^`);
    expect(notice).toContain('the ticket can be closed');
    expect(notice).not.toContain('Eves-Own-Choice-42');
    const [row] = await auditRows(harness);
    expect(row?.directoryStep?.result).toBe('changed');
  }, 40_000);

  it('never lets an older reset’s expiry scramble a newer password', async () => {
    const harness = await start();
    const p = person();
    await reset(harness, p.code);
    await new Promise((r) => setTimeout(r, 3000));
    await reset(harness, p.code);
    const newer = textedPassword(harness, 1);
    await expiryDone(harness, 25_000);
    const [older, second] = await expiries(harness);
    expect(older?.outcome).toBe('superseded');
    expect(second?.state).not.toBe('done');
    expect(okta.signIn(p.id, newer)).toBe('must_change');
  }, 40_000);
});
