import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import type { DoctorReport } from '../../src/doctor/index.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import { FakeTwilio } from '../fakes/fake-twilio.js';
import { ADMIN, ADMIN_GROUP, testEnv } from '../helpers/harness.js';
import { LdapPeople } from '../helpers/ldap-people.js';
import { LDAP_BOT, ldapBotEnv, requireSlapd, type Slapd, startSlapd } from '../helpers/slapd.js';

/** `resetpw doctor` with DIRECTORY=ldap, against a real slapd: the bind, and a sample lookup that writes nothing. */
describe.runIf(requireSlapd())('resetpw doctor on OpenLDAP', () => {
  let slapd: Slapd;
  let people: LdapPeople;
  let slack: FakeSlack;
  let twilio: FakeTwilio;
  let jane: string;
  beforeAll(async () => {
    slapd = await startSlapd();
    people = new LdapPeople(slapd);
    slack = await new FakeSlack().start();
    twilio = await new FakeTwilio().start();
    slack.setGroup(ADMIN_GROUP, [ADMIN]);
    jane = await people.add({ uid: 'jdoctor', code: 'E-3001', name: 'Jane Doctor', mobile: '+15005550006' });
    await people.add({ uid: 'nomobile', code: 'E-3002', name: 'No Mobile' });
  });
  afterAll(async () => {
    await Promise.all([slack?.stop(), twilio?.stop()]);
    await slapd?.stop();
  });

  const report = async (over: Record<string, string> = {}, args: string[] = []) => {
    const out: string[] = [];
    const code = await runCli(
      ['doctor', '--json', ...args],
      { ...testEnv(slack, twilio, 'http'), ...ldapBotEnv(slapd, over) },
      (s) => out.push(s),
      () => undefined,
    );
    const parsed = JSON.parse(out.join('')) as DoctorReport;
    return { code, byId: Object.fromEntries(parsed.checks.map((c) => [c.id, c])) };
  };

  it('binds, looks the sample employee up as a reset would, and changes nothing', async () => {
    const before = await people.snapshot(jane);
    const { code, byId } = await report({}, ['--employee', 'E-3001']);
    expect(code).toBe(0);
    expect(byId.directory).toMatchObject({
      status: 'pass',
      title: 'Directory bind',
      detail: `bound to ${slapd.url} as ${LDAP_BOT.dn}`,
    });
    expect(byId.directory_lookup).toMatchObject({
      status: 'pass',
      detail: 'E-3001 is jdoctor (Jane Doctor), mobile +•••••••0006: a reset would proceed',
    });
    expect(await people.snapshot(jane)).toEqual(before);
  });

  it('without --employee, says how to ask for a lookup', async () => {
    const { code, byId } = await report();
    expect(code).toBe(0);
    expect(byId.directory_lookup).toMatchObject({ status: 'skip' });
    expect(byId.directory_lookup?.detail).toMatch(/--employee CODE/);
  });

  it('names an unknown code and an employee the bot could not text', async () => {
    const unknown = await report({}, ['--employee', 'E-0000']);
    expect(unknown.code).toBe(1);
    expect(unknown.byId.directory_lookup).toMatchObject({
      status: 'fail',
      detail: 'E-0000: No account in the LDAP directory has this employee code.',
    });
    const noMobile = await report({}, ['--employee', 'E-3002']);
    expect(noMobile.byId.directory_lookup?.status).toBe('fail');
    expect(noMobile.byId.directory_lookup?.detail).toMatch(/^E-3002: nomobile \(uid=nomobile,.*\): .*mobile/i);
  });

  it('names an unreachable directory and a bind the directory refuses, and skips the lookup', async () => {
    const gone = await report({ LDAP_URL: 'ldap://127.0.0.1:9' }, ['--employee', 'E-3001']);
    expect(gone.code).toBe(1);
    expect(gone.byId.directory).toMatchObject({
      status: 'fail',
      detail: 'LDAP_URL: cannot connect to ldap://127.0.0.1:9 (ECONNREFUSED)',
    });
    expect(gone.byId.directory_lookup?.status).toBe('skip');
    const refused = await report({ LDAP_BIND_PASSWORD: 'not-the-password' });
    expect(refused.byId.directory?.detail).toBe(
      'LDAP_BIND_DN / LDAP_BIND_PASSWORD: the directory refused the bind (LDAP result 49: invalid credentials)',
    );
    expect(JSON.stringify(refused)).not.toContain('not-the-password');
    // Everything else still checked and passing: only the directory is named.
    expect(
      Object.values(refused.byId)
        .filter((c) => c.status === 'fail')
        .map((c) => c.id),
    ).toEqual(['directory']);
  });
});
