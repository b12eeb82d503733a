import { Attribute, Change } from 'ldapts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLdapDirectory } from '../../src/adapters/ldap/directory.js';
import { runCli } from '../../src/cli/run.js';
import { parseConfig } from '../../src/config/index.js';
import type { DoctorReport } from '../../src/doctor/index.js';
import { BLOCK_IDS } from '../../src/views/reset-modal.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import { FakeTwilio } from '../fakes/fake-twilio.js';
import {
  ADMIN,
  ADMIN_GROUP,
  type Harness,
  OFFLINE_ENV,
  startHarness,
  startOutcome,
  testEnv,
  waitFor,
} from '../helpers/harness.js';
import {
  AD_ADMIN,
  AD_NESTED_GROUP,
  AD_PEOPLE,
  AdPeople,
  requireSamba,
  type SambaDc,
  startSamba,
} from '../helpers/samba.js';
import { activeDirectoryEdgeCases } from './ad-edge-suite.js';
import { directoryContractSuite } from './contract-suite.js';
import { directoryFlowSuite } from './flow-suite.js';

/**
 * DIRECTORY=ad end to end against a real Samba AD DC over LDAPS (and StartTLS), with a delegated, non-admin bot
 * account. Samba's fixed ports mean one DC per machine: this file is the only one that starts it.
 */
describe.runIf(requireSamba())('reset flow on Active Directory (Samba AD DC)', () => {
  let dc: SambaDc;
  let ad: AdPeople;
  beforeAll(async () => {
    dc = await startSamba();
    ad = new AdPeople(dc);
  }, 120_000);
  afterAll(async () => {
    await dc?.stop();
  });

  directoryFlowSuite(() => ad, { multipleMobiles: true, lockout: true });
  directoryContractSuite(() => ad);
  activeDirectoryEdgeCases(() => ad);

  describe('what only Active Directory does', () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.stop();
      h = undefined;
    });
    const lookup = async (code: string, env: Record<string, string> = {}) => {
      h = await startHarness({ env: ad.botEnv(env) });
      await h.driver.command(ADMIN);
      await waitFor(() => h?.slack.callsTo('views.open').length === 1, 5000, 'the form');
      return h.driver.submit(ADMIN, { code });
    };

    /** The adapter alone, configured exactly as the bot would be. */
    const adapter = () => {
      const config = parseConfig({ ...OFFLINE_ENV, ...ad.botEnv() }).directory;
      if (config.kind !== 'ad') throw new Error('expected DIRECTORY=ad');
      return createLdapDirectory('ad', config.ldap);
    };

    it('escapes the code in the filter: filter syntax matches nothing', async () => {
      const directory = adapter();
      try {
        for (const code of ['*', '*)(sAMAccountName=*', 'AD-*', '*)(|(objectClass=*']) {
          expect(await directory.findByEmployeeCode(code), code).toEqual({ found: 'none' });
        }
      } finally {
        await directory.close();
      }
    });

    it('tells when the employee has chosen their own password since the reset (pwdLastSet)', async () => {
      const dn = await ad.add({
        login: 'changer',
        code: 'AD-CHANGE',
        password: 'Change-Old-12345!',
        mobile: '+15005550006',
      });
      const directory = adapter();
      try {
        const found = await directory.findByEmployeeCode('AD-CHANGE');
        if (found.found !== 'one') throw new Error('expected one account');
        const receipt = await directory.setTemporaryPassword(found.account, 'Temp-Pass-12345!');
        const marker = await receipt.marker;
        expect(marker).toBe('0');
        expect(await directory.passwordChangedSince(dn, marker)).toEqual({ changed: false });
        // The employee's own change: the old value deleted and the new one added in one modify (a change, not a reset).
        const quoted = (p: string) => Buffer.from(`"${p}"`, 'utf16le');
        await ad.asAdmin((c) =>
          c.modify(dn, [
            new Change({
              operation: 'delete',
              modification: new Attribute({ type: 'unicodePwd', values: [quoted('Temp-Pass-12345!')] }),
            }),
            new Change({
              operation: 'add',
              modification: new Attribute({ type: 'unicodePwd', values: [quoted('Own-Choice-12345!')] }),
            }),
          ]),
        );
        // pwdLastSet as the DC wrote it: 100 ns intervals since 1601.
        const lastSet = BigInt(String((await ad.snapshot(dn)).pwdLastSet));
        const at = new Date(Number((lastSet - 116_444_736_000_000_000n) / 10_000n));
        expect(await directory.passwordChangedSince(dn, marker)).toEqual({ changed: true, at });
        expect(await ad.bind(dn, 'Own-Choice-12345!')).toBe('ok');
      } finally {
        await directory.close();
      }
    });

    it('refuses an account flagged "password never expires", changing nothing', async () => {
      const dn = await ad.add({
        login: 'neverexp',
        code: 'AD-NEVER',
        password: 'Never-Old-12345!',
        mobile: '+15005550006',
      });
      await ad.replace(dn, 'userAccountControl', String(512 | 0x10000));
      const before = await ad.snapshot(dn);
      const ack = await lookup('AD-NEVER');
      expect(ack.body).toMatchObject({
        response_action: 'errors',
        errors: { [BLOCK_IDS.code]: expect.stringContaining('"password never expires"') },
      });
      expect(await ad.snapshot(dn)).toEqual(before);
    });

    it('refuses the built-in Administrator (RID 500) whatever the protected groups', async () => {
      await ad.replace(AD_ADMIN.dn, 'employeeID', 'AD-ADMIN');
      await ad.replace(AD_ADMIN.dn, 'mobile', '+15005550006');
      const ack = await lookup('AD-ADMIN', { LDAP_BASE_DN: 'DC=example,DC=test', LDAP_PROTECTED_GROUPS: '' });
      expect(JSON.stringify(ack.body)).toContain('This is the built-in Administrator account of Active Directory');
      expect(await ad.bind(AD_ADMIN.dn, AD_ADMIN.password)).toBe('ok');
    });

    it('refuses an adminCount=1 account (Windows marks members, now or once, of protected groups)', async () => {
      const dn = await ad.add({
        login: 'oncedom',
        code: 'AD-ONCE',
        password: 'Once-Old-12345!',
        mobile: '+15005550006',
      });
      await ad.replace(dn, 'adminCount', '1');
      const ack = await lookup('AD-ONCE', { LDAP_PROTECTED_GROUPS: '' });
      expect(JSON.stringify(ack.body)).toContain('adminCount=1');
      expect(await ad.bind(dn, 'Once-Old-12345!')).toBe('ok');
    });

    it('refuses a member of a protected group through a nested group', async () => {
      const dn = await ad.add({
        login: 'nested',
        code: 'AD-NESTED',
        password: 'Nested-Old-12345!',
        mobile: '+15005550006',
      });
      await ad.addMember(AD_NESTED_GROUP, dn);
      const ack = await lookup('AD-NESTED');
      expect(JSON.stringify(ack.body)).toContain('protected group');
    });

    it("maps 0000052D to the directory's password policy, with the setting to raise", async () => {
      const dn = await ad.add({
        login: 'shortpw',
        code: 'AD-SHORT',
        password: 'Short-Old-12345!',
        mobile: '+15005550006',
      });
      // The classic profile is 11 characters; this domain wants 12.
      await lookup('AD-SHORT', { PASSWORD_PROFILE: 'classic' });
      await h?.driver.submit(ADMIN, {});
      await waitFor(() => (h?.slack.responses.length ?? 0) === 1, 10_000, 'the outcome');
      const text = String(h?.slack.responses[0]?.body.text);
      expect(text).toContain('The directory refused the temporary password');
      expect(text).toContain('0000052D');
      expect(text).toContain('use PASSWORD_PROFILE=strong (now classic)');
      expect(h?.twilio.createRequests).toHaveLength(0);
      expect(await ad.bind(dn, 'Short-Old-12345!')).toBe('ok');
    });

    it('works over StartTLS on port 389', async () => {
      const dn = await ad.add({
        login: 'starttls',
        code: 'AD-STARTTLS',
        password: 'Start-Old-12345!',
        mobile: '+15005550006',
      });
      await lookup('AD-STARTTLS', { LDAP_URL: dc.startTlsUrl, LDAP_STARTTLS: 'true' });
      await h?.driver.submit(ADMIN, {});
      await waitFor(() => (h?.slack.responses.length ?? 0) === 1, 10_000, 'the outcome');
      const password = /password is:\n(\S+)\n/.exec(h?.twilio.createRequests[0]?.params.Body ?? '')?.[1] ?? '';
      expect(await ad.bind(dn, password)).toBe('must_change');
    });

    it('resetpw doctor binds as the delegated account, reads a sample employee, and names a protected one', async () => {
      const slack = await new FakeSlack().start();
      const twilio = await new FakeTwilio().start();
      slack.setGroup(ADMIN_GROUP, [ADMIN]);
      const dn = await ad.add({
        login: 'doctor',
        code: 'AD-DOCTOR',
        password: 'Doctor-Old-12345!',
        mobile: '+15005550006',
      });
      const before = await ad.snapshot(dn);
      const doctor = async (code: string, over: Record<string, string> = {}) => {
        const out: string[] = [];
        const exit = await runCli(
          ['doctor', '--json', '--employee', code],
          { ...testEnv(slack, twilio, 'http'), ...ad.botEnv(over) },
          (s) => out.push(s),
          () => undefined,
        );
        const report = JSON.parse(out.join('')) as DoctorReport;
        return { exit, byId: Object.fromEntries(report.checks.map((c) => [c.id, c])) };
      };
      try {
        const ok = await doctor('AD-DOCTOR');
        expect(ok.exit).toBe(0);
        expect(ok.byId.directory?.status).toBe('pass');
        expect(ok.byId.directory_lookup?.detail).toBe(
          'AD-DOCTOR is doctor (Test doctor), mobile +•••••••0006: a reset would proceed',
        );
        expect(await ad.snapshot(dn)).toEqual(before);
        await ad.replace(AD_ADMIN.dn, 'employeeID', 'AD-ADMIN');
        const admin = await doctor('AD-ADMIN', { LDAP_BASE_DN: 'DC=example,DC=test', LDAP_PROTECTED_GROUPS: '' });
        expect(admin.exit).toBe(1);
        expect(admin.byId.directory_lookup?.status).toBe('fail');
        expect(admin.byId.directory_lookup?.detail).toContain('built-in Administrator account');
      } finally {
        await Promise.all([slack.stop(), twilio.stop()]);
      }
    });

    it('names the variable to fix when start-up cannot bind', async () => {
      const slack = await new FakeSlack().start();
      const twilio = await new FakeTwilio().start();
      slack.setGroup(ADMIN_GROUP, [ADMIN]);
      const start = (over: Record<string, string>) =>
        startOutcome({ ...testEnv(slack, twilio, 'http'), ...ad.botEnv(over) });
      try {
        expect(await start({ LDAP_BIND_PASSWORD: 'wrong-password' })).toBe(
          'LDAP_BIND_DN / LDAP_BIND_PASSWORD: the directory refused the bind (LDAP result 49: wrong password)',
        );
        expect(await start({ LDAP_URL: dc.startTlsUrl, LDAP_ALLOW_INSECURE: 'true' })).toBe(
          'LDAP_URL: ldap://127.0.0.1:389 requires an encrypted connection (LDAP result 8); use ldaps:// or LDAP_STARTTLS=true',
        );
        expect(await start({ LDAP_PROTECTED_GROUPS: AD_PEOPLE })).toBe(
          `LDAP_PROTECTED_GROUPS: the objectSid of ${AD_PEOPLE} cannot be read`,
        );
        expect(await start({ LDAP_BASE_DN: `OU=Nowhere,${AD_PEOPLE}` })).toMatch(
          /^LDAP_BASE_DN: OU=Nowhere,.* cannot be read/,
        );
      } finally {
        await Promise.all([slack.stop(), twilio.stop()]);
      }
    });
  });
});
