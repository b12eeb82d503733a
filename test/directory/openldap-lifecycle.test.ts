import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore } from '../../src/store/database.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import { FakeTwilio, MAGIC_TO } from '../fakes/fake-twilio.js';
import { httpTransport, SlackDriver } from '../fakes/slack-driver.js';
import { startBotProcess } from '../helpers/bot-process.js';
import {
  ADMIN,
  ADMIN_GROUP,
  SIGNING_SECRET,
  startHarness,
  startOutcome,
  testEnv,
  waitFor,
} from '../helpers/harness.js';
import { LdapPeople } from '../helpers/ldap-people.js';
import { ldapBotEnv, requireSlapd, type Slapd, startSlapd } from '../helpers/slapd.js';

/** Start-up, an unreachable directory and a crash between the directory write and the send, on a real slapd. */
describe.runIf(requireSlapd())('directory lifecycle on OpenLDAP', () => {
  let slapd: Slapd;
  let people: LdapPeople;
  const children: ChildProcess[] = [];
  const cleanup: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    slapd = await startSlapd();
    people = new LdapPeople(slapd);
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const c of cleanup) await c();
    await slapd?.stop();
  });

  const withFakes = async () => {
    const slack = await new FakeSlack().start();
    const twilio = await new FakeTwilio().start();
    cleanup.push(
      () => slack.stop(),
      () => twilio.stop(),
    );
    slack.setGroup(ADMIN_GROUP, [ADMIN]);
    return { slack, twilio };
  };

  it('refuses to start, naming the variable, when the directory cannot be bound', async () => {
    const { slack, twilio } = await withFakes();
    const start = (over: Record<string, string>) =>
      startOutcome({ ...testEnv(slack, twilio, 'http'), ...ldapBotEnv(slapd, over) });
    expect(await start({ LDAP_BIND_PASSWORD: 'not-the-password' })).toBe(
      'LDAP_BIND_DN / LDAP_BIND_PASSWORD: the directory refused the bind (LDAP result 49: invalid credentials)',
    );
    expect(await start({ LDAP_CA_FILE: '' })).toMatch(/^LDAP_CA_FILE: the certificate of .* is not trusted/);
    expect(await start({ LDAP_URL: 'ldap://127.0.0.1:9' })).toBe(
      'LDAP_URL: cannot connect to ldap://127.0.0.1:9 (ECONNREFUSED)',
    );
    expect(await start({ LDAP_STARTTLS: 'false' })).toMatch(/LDAP_URL is plain ldap:\/\/ without LDAP_STARTTLS=true/);
    expect(await start({})).toBe('started');
  });

  it('fails closed with a plain refusal when the directory goes away after start-up', async () => {
    const gone = await startSlapd();
    const h = await startHarness({ env: ldapBotEnv(gone) });
    cleanup.push(() => h.stop());
    await gone.stop();
    await h.driver.command(ADMIN);
    await waitFor(() => h.slack.callsTo('views.open').length === 1, 5000, 'the form');
    const ack = await h.driver.submit(ADMIN, { code: 'E-1' });
    expect(ack.body).toMatchObject({ response_action: 'update' });
    expect(JSON.stringify(ack.body)).toContain('Directory unavailable: nothing changed');
    expect(JSON.stringify(ack.body)).toContain('DIRECTORY_UNAVAILABLE');
    expect(h.twilio.createRequests).toHaveLength(0);
  });

  it('scrambles at restart a password set by a process that died before the send finished', async () => {
    const { slack, twilio } = await withFakes();
    twilio.slowMs = 60_000; // the send hangs until the process is killed
    const dn = await people.add({ uid: 'crash1', code: 'E-CRASH1', mobile: MAGIC_TO.slow, password: 'Crash-Old-1' });
    // 500 ms Twilio and 100 ms LDAP timeouts (and the expiry row's 3 s of retries): a `sending` row older than ~8 s
    // is interrupted, and the sweep runs that often.
    const env: Record<string, string | undefined> = {
      ...testEnv(slack, twilio, 'http'),
      ...ldapBotEnv(slapd, { LDAP_TIMEOUT_MS: '100' }),
      TWILIO_TIMEOUT_MS: '500',
      LOG_LEVEL: 'info',
    };
    const first = await startBotProcess(env);
    children.push(first.child);
    const driver = new SlackDriver(slack, httpTransport(`http://127.0.0.1:${first.port}`, SIGNING_SECRET));
    await driver.command(ADMIN);
    await waitFor(() => slack.callsTo('views.open').length === 1, 10_000, 'form');
    await driver.submit(ADMIN, { code: 'E-CRASH1' });
    await driver.submit(ADMIN, {});
    await waitFor(() => twilio.createRequests.length === 1, 10_000, 'the send to start');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const password = /password is:\n(\S+)\n/.exec(twilio.createRequests[0]?.params.Body ?? '')?.[1] ?? '';
    expect(await people.bind(dn, password)).toBe('must_change'); // live, and nobody knows whether it was texted
    const store = await openStore(String(env.DATABASE_URL));
    cleanup.push(() => store.close());
    const audit = createAuditStore(store.db);
    expect((await audit.list({ limit: 1 }))[0]).toMatchObject({
      result: 'sending',
      directoryStep: { result: 'setting' },
    });

    const second = await startBotProcess(env);
    children.push(second.child);
    await waitFor(() => slack.callsTo('chat.postMessage').length === 1, 30_000, 'the DM');
    const dm = String(slack.callsTo('chat.postMessage')[0]?.args.text);
    expect(dm).toContain('Reset interrupted');
    expect(dm).toContain('Whatever password the interrupted reset may have set in the LDAP directory was randomised');
    expect(await people.bind(dn, password)).toBe('invalid');
    expect(await people.bind(dn, 'Crash-Old-1')).toBe('invalid');
    expect((await audit.list({ limit: 1 }))[0]).toMatchObject({
      result: 'unknown',
      errorCode: 'INTERRUPTED',
      directoryStep: { result: 'scrambled', detail: 'interrupted' },
    });
    expect(twilio.createRequests).toHaveLength(1);
  }, 60_000);
});
