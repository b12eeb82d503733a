import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, waitFor } from '../helpers/harness.js';
import { LdapPeople } from '../helpers/ldap-people.js';
import { LDAP_OLD_GRANT_BOT, ldapBotEnv, requireSlapd, type Slapd, startSlapd } from '../helpers/slapd.js';
import { auditRows, confirm, lookup, textedPassword } from './bot-steps.js';

/**
 * TEMP_PASSWORD_TTL on OpenLDAP through the running bot: the directory's own end of validity (ppolicy pwdEndTime) is
 * written with the password, ends it even while no bot is running, and is removed again once the employee's own
 * password is seen (it would lock that out too) or once the password is gone (it would refuse the next reset).
 */
describe.runIf(requireSlapd())('the directory’s own end of validity on OpenLDAP', () => {
  let slapd: Slapd;
  let people: LdapPeople;
  const running: Harness[] = [];
  let n = 0;
  beforeAll(async () => {
    slapd = await startSlapd();
    people = new LdapPeople(slapd);
  });
  afterEach(async () => {
    for (const h of running.splice(0)) await h.stop();
  });
  afterAll(async () => {
    await slapd?.stop();
  });

  const start = async (env: Record<string, string> = {}) => {
    const h = await startHarness({
      env: ldapBotEnv(slapd, { TEMP_PASSWORD_TTL: '10s', RATE_LIMIT_EMPLOYEE_PER_10_MIN: '0', ...env }),
    });
    running.push(h);
    return h;
  };
  const person = async () => {
    const i = ++n;
    const login = `native${i}${Date.now().toString(36).slice(-4)}`;
    const code = `N-${i}${Date.now().toString(36).slice(-4)}`;
    const password = `Old-Native-${i}-xyzzy!`;
    const dn = await people.add({ login, code, name: `Nia Native${i}`, password, mobile: '+1 500 555 0006' });
    return { dn, code, password };
  };
  const reset = async (harness: Harness, code: string) => {
    const before = harness.slack.responses.length;
    await lookup(harness, code);
    await confirm(harness);
    await waitFor(() => harness.slack.responses.length === before + 1, 10_000, 'the outcome');
    return String(harness.slack.responses[before]?.body.text);
  };
  const dms = (harness: Harness) => harness.slack.callsTo('chat.postMessage').map((c) => String(c.args.text));
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('ends an unused password with no bot running; the next start scrambles it and removes the end, so it can be reset again', async () => {
    const first = await start();
    const p = await person();
    const before = Date.now();
    await reset(first, p.code);
    const password = textedPassword(first);
    const end = await people.attribute(p.dn, 'pwdEndTime');
    // GeneralizedTime, about TEMP_PASSWORD_TTL from the set.
    const endMs = Date.parse((end ?? '').replace(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    expect(endMs).toBeGreaterThan(before + 8_000);
    expect(endMs).toBeLessThanOrEqual(Date.now() + 10_000);
    expect(await people.bind(p.dn, password)).toBe('must_change');
    await first.stop();
    running.splice(running.indexOf(first), 1);

    // No bot is up when the TTL passes: the directory itself refuses the texted password.
    await sleep(Math.max(0, endMs + 1500 - Date.now()));
    expect(await people.bind(p.dn, password)).toBe('invalid');

    const second = await start({ DATABASE_URL: String(first.env.DATABASE_URL) });
    await waitFor(() => dms(second).some((t) => t.includes('Temporary password expired')), 15_000, 'the expiry');
    let gone = false;
    for (let i = 0; i < 40 && !gone; i++) {
      gone = (await people.attribute(p.dn, 'pwdEndTime')) === undefined;
      if (!gone) await sleep(100);
    }
    expect(gone).toBe(true);
    // A passed end of validity would refuse this; without it the account resets as usual.
    const again = await reset(second, p.code);
    expect(again).toContain('Temporary password set and sent');
    expect(await people.bind(p.dn, textedPassword(second))).toBe('must_change');
  }, 60_000);

  it('removes the end once the employee’s own password is seen, so their password outlives it', async () => {
    const h = await start();
    const p = await person();
    await reset(h, p.code);
    const password = textedPassword(h);
    expect(await people.attribute(p.dn, 'pwdEndTime')).toBeDefined();
    await people.changeOwnPassword(p.dn, password, 'Nias-Own-Choice-31!');
    await waitFor(() => dms(h).some((t) => t.includes('Password changed')), 20_000, 'the change notice');
    expect(await people.attribute(p.dn, 'pwdEndTime')).toBeUndefined();
    await sleep(1500); // past the end that was written with the temporary password
    expect(await people.bind(p.dn, 'Nias-Own-Choice-31!')).toBe('ok');
    expect((await auditRows(h))[0]?.directoryStep?.result).toBe('changed');
  }, 40_000);

  it('lets a newer reset replace the end an earlier one of the bot’s wrote', async () => {
    const h = await start({ TEMP_PASSWORD_TTL: '1h' });
    const p = await person();
    await reset(h, p.code);
    const first = await people.attribute(p.dn, 'pwdEndTime');
    await sleep(1100); // GeneralizedTime counts whole seconds
    await reset(h, p.code);
    const second = await people.attribute(p.dn, 'pwdEndTime');
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(String(second) > String(first)).toBe(true);
  }, 40_000);

  it('still resets when the bot may not write pwdEndTime (grants from before this version): without the native end', async () => {
    const h = await start({ LDAP_BIND_DN: LDAP_OLD_GRANT_BOT.dn, LDAP_BIND_PASSWORD: LDAP_OLD_GRANT_BOT.password });
    const p = await person();
    const said = await reset(h, p.code);
    expect(said).toContain('Temporary password set and sent');
    expect(await people.bind(p.dn, textedPassword(h))).toBe('must_change');
    expect(await people.attribute(p.dn, 'pwdEndTime')).toBeUndefined();
    expect(h.logs.text).toContain('the directory took no end of validity with the password');
  }, 40_000);

  it('never touches an end of validity the account’s owner set', async () => {
    const h = await start();
    const p = await person();
    await people.replace(p.dn, 'pwdEndTime', '20991231000000Z');
    await reset(h, p.code);
    expect(await people.attribute(p.dn, 'pwdEndTime')).toBe('20991231000000Z');
    await people.changeOwnPassword(p.dn, textedPassword(h), 'Nias-Own-Choice-32!');
    await waitFor(() => dms(h).some((t) => t.includes('Password changed')), 20_000, 'the change notice');
    expect(await people.attribute(p.dn, 'pwdEndTime')).toBe('20991231000000Z');
  }, 40_000);
});
