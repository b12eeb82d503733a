import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeOkta } from '../fakes/fake-okta.js';
import { ADMIN, type Harness, OTHER_ADMIN, startHarness, waitFor } from '../helpers/harness.js';
import { OktaPeople } from '../helpers/okta-people.js';

/**
 * A submission is checked against the store's record of its form, whichever replica opened the form or recorded
 * the lookup step's confirmation: two bots on one database.
 */
describe('the form check across replicas', () => {
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

  // The form opened on A and looked up on B (which records the confirmation); confirmed on B, or back on A.
  it.each([
    ['the replica that looked it up', 'b'],
    ['the replica that opened the form', 'a'],
  ] as const)('checks each step against the store when it is confirmed on %s', async (_, confirmer) => {
    const both = await replicas();
    const { a, b } = both;
    const code = await person();
    await openOn(a);
    expect(confirmed(await b.driver.submit(ADMIN, { code, reason: 'INC-1' }))).toBe(true);
    expect(JSON.stringify((await both[confirmer].driver.submit(ADMIN, {})).body)).toContain('Resetting');
    expect(await outcome(a)).toContain('Robin Example');
    expect(a.twilio.createRequests).toHaveLength(1);
    expect(a.twilio.createRequests[0]?.params.To).toBe('+15005550006');
  });

  it('refuses a first step whose metadata was changed, or sent by another admin', async () => {
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
