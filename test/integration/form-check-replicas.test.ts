import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/database.js';
import { FakeOkta } from '../fakes/fake-okta.js';
import { ADMIN, type Harness, OTHER_ADMIN, startHarness, waitFor } from '../helpers/harness.js';
import { OktaPeople } from '../helpers/okta-people.js';

/**
 * A submission's form check reads the form from the process that opened it (no store query before the ack) and
 * from the store otherwise: a form opened on one replica and submitted to another, and a confirmation made on
 * another replica, are checked against the store.
 */
describe('the form check, on the replica that opened the form and on another', () => {
  let okta: FakeOkta;
  let people: OktaPeople;
  const harnesses: Harness[] = [];
  beforeAll(async () => {
    okta = await new FakeOkta().start();
    people = new OktaPeople(okta);
  });
  afterAll(async () => {
    await okta?.stop();
  });
  afterEach(async () => {
    // The second replica first: it uses the first one's fakes.
    for (const h of harnesses.splice(0).reverse()) await h.stop();
  });
  let n = 0;
  const person = async () => {
    const code = `R-${++n}${Date.now().toString(36).slice(-4)}`;
    await people.add({
      login: `rep${n}@example.com`,
      code,
      name: `Robin Example${n}`,
      mobile: '+15005550006',
      password: `Old-Rep-${n}-xyzzy`,
    });
    return code;
  };
  const replicas = async (env: Record<string, string> = {}) => {
    const a = await startHarness({ env: people.botEnv(env) });
    harnesses.push(a);
    const b = await startHarness({
      fakes: { slack: a.slack, twilio: a.twilio },
      env: { ...people.botEnv(env), DATABASE_URL: String(a.env.DATABASE_URL) },
    });
    harnesses.push(b);
    return { a, b };
  };
  const openOn = async (h: Harness) => {
    const opened = h.slack.callsTo('views.open').length;
    await h.driver.command(ADMIN);
    await waitFor(() => h.slack.callsTo('views.open').length === opened + 1, 5000, 'the form');
  };
  const confirmed = (res: { body: unknown }) => JSON.stringify(res.body).includes('Robin Example');
  const outcome = async (h: Harness) => {
    await waitFor(() => h.slack.responses.length === 1, 10_000, 'the outcome');
    return String(h.slack.responses[0]?.body.text);
  };

  it('lets a form in on the replica that opened it from its own record, without the store row', async () => {
    const { a } = await replicas();
    const code = await person();
    await openOn(a);
    // The store's row goes; the process that opened the form still knows it (the confirmation step is then
    // checked against the store, so this stops at the second step).
    const store = await openStore(String(a.env.DATABASE_URL));
    await store.db.deleteFrom('forms').execute();
    await store.close();
    const step1 = await a.driver.submit(ADMIN, { code, reason: 'INC-1' });
    expect(confirmed(step1)).toBe(true);
    const step2 = await a.driver.submit(ADMIN, {});
    expect(JSON.stringify(step2.body)).toContain('no record of opening this form');
    expect(a.twilio.createRequests).toHaveLength(0);
  });

  it('checks a form opened on one replica and looked up and confirmed on the other against the store', async () => {
    const { a, b } = await replicas();
    const code = await person();
    await openOn(a);
    expect(confirmed(await b.driver.submit(ADMIN, { code, reason: 'INC-1' }))).toBe(true);
    expect(JSON.stringify((await b.driver.submit(ADMIN, {})).body)).toContain('Resetting');
    expect(await outcome(a)).toContain('Robin Example');
    expect(a.twilio.createRequests).toHaveLength(1);
  });

  it('checks a confirmation made on the other replica against the store, not the opening replica’s record', async () => {
    const { a, b } = await replicas();
    const code = await person();
    await openOn(a);
    expect(confirmed(await b.driver.submit(ADMIN, { code, reason: 'INC-1' }))).toBe(true);
    // Back on the replica that opened the form: its own record has no confirmation.
    expect(JSON.stringify((await a.driver.submit(ADMIN, {})).body)).toContain('Resetting');
    expect(await outcome(a)).toContain('Robin Example');
    expect(a.twilio.createRequests).toHaveLength(1);
    expect(a.twilio.createRequests[0]?.params.To).toBe('+15005550006');
  });

  it('still refuses, on the opening replica, a first step whose metadata was changed or sent by another admin', async () => {
    const { a } = await replicas();
    const code = await person();
    await openOn(a);
    const evil = JSON.stringify({
      channelId: 'C0HELPDESK',
      responseUrl: 'http://169.254.169.254/',
      teamId: 'T0RESETPW',
    });
    const changed = await a.driver.submit(ADMIN, { code }, { privateMetadata: evil });
    expect(JSON.stringify(changed.body)).toContain('The form came back changed');
    // The refusal replaced the form with its result: a new form for the next try.
    await openOn(a);
    const viewId = a.slack.lastViewFor(ADMIN)?.id ?? '';
    const other = await a.driver.submit(OTHER_ADMIN, { code }, { viewId });
    expect(JSON.stringify(other.body)).toContain('opened for another admin');
    expect(a.twilio.createRequests).toHaveLength(0);
  });
});
