import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import type { DoctorReport } from '../../src/doctor/index.js';
import { BLOCK_IDS } from '../../src/views/reset-modal.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import { FakeTwilio } from '../fakes/fake-twilio.js';
import { ADMIN, ADMIN_GROUP, type Harness, startHarness, testEnv } from '../helpers/harness.js';
import { AD_BASE, AD_PEOPLE, type AdPeople } from '../helpers/samba.js';
import { auditRows, confirmAndWait, lookup, textedPassword } from './bot-steps.js';

const USERS = `CN=Users,${AD_BASE}`;
const BUILTIN = `CN=Builtin,${AD_BASE}`;
/** FILETIME (100 ns since 1601) of a JavaScript time. */
const filetime = (ms: number) => String(BigInt(ms) * 10_000n + 116_444_736_000_000_000n);

/**
 * What a reset must never do on Active Directory, against the real Samba DC through the real bot, with the
 * default settings (LDAP_PROTECTED_GROUPS empty unless a test says otherwise): reset a member of a privileged
 * group (nested, or through the primary group), a smart-card-only, expired or service account, or an account
 * whose state the bot may not read. Each test also resets an ordinary account with the same bot.
 */
export function activeDirectoryEdgeCases(directory: () => AdPeople) {
  describe('Active Directory edge cases', () => {
    let h: Harness | undefined;
    let seq = 0;
    afterEach(async () => {
      await h?.stop();
      h = undefined;
    });

    const start = async (env: Record<string, string> = {}) => {
      h = await startHarness({ env: directory().botEnv({ LDAP_PROTECTED_GROUPS: '', ...env }) });
      return h;
    };
    const person = async (extra: Record<string, string> = {}) => {
      const n = ++seq;
      const login = `adedge${n}`;
      const password = `AdEdge-Old-${n}-xyzzy!`;
      const code = `ADEDGE-${n}`;
      const dn = await directory().addAccount(`CN=Ad Edge ${n},${AD_PEOPLE}`, login, password, {
        displayName: `Ad Edge ${n}`,
        employeeID: code,
        mobile: '+15005550006',
        ...extra,
      });
      return { dn, login, code, password };
    };
    const fieldError = (ack: { body: unknown }) =>
      String((ack.body as { errors?: Record<string, string> }).errors?.[BLOCK_IDS.code] ?? JSON.stringify(ack.body));
    /** The refusal under the code field, with the entry unchanged and nothing texted. */
    const refusedAtLookup = async (harness: Harness, p: { dn: string; code: string }) => {
      const before = await directory().snapshot(p.dn);
      const texts = harness.twilio.createRequests.length;
      const error = fieldError(await lookup(harness, p.code));
      expect(await directory().snapshot(p.dn)).toEqual(before);
      expect(harness.twilio.createRequests).toHaveLength(texts);
      return error;
    };
    const ordinaryReset = async (harness: Harness) => {
      const p = await person();
      const texts = harness.twilio.createRequests.length;
      expect((await lookup(harness, p.code)).body).toMatchObject({ response_action: 'update' });
      expect(await confirmAndWait(harness)).toContain('Temporary password set and sent');
      expect(await directory().bind(p.dn, textedPassword(harness, texts))).toBe('must_change');
    };

    it('refuses members of the built-in privileged groups nested two levels deep, and direct members of Protected Users, with no protected groups configured', async () => {
      const ad = directory();
      // DnsAdmins has no fixed RID (it comes with the DNS role): the bot finds it by name.
      await ad.addGroup(`CN=DnsAdmins,${USERS}`, 'DnsAdmins');
      const harness = await start();
      const cases: [string, string, number][] = [
        [`CN=Domain Admins,${USERS}`, 'Domain Admins', 2],
        [`CN=Enterprise Admins,${USERS}`, 'Enterprise Admins', 2],
        [`CN=Schema Admins,${USERS}`, 'Schema Admins', 2],
        [`CN=Group Policy Creator Owners,${USERS}`, 'Group Policy Creator Owners', 2],
        [`CN=Administrators,${BUILTIN}`, 'Administrators', 2],
        [`CN=Account Operators,${BUILTIN}`, 'Account Operators', 2],
        [`CN=Backup Operators,${BUILTIN}`, 'Backup Operators', 2],
        [`CN=Server Operators,${BUILTIN}`, 'Server Operators', 2],
        [`CN=Print Operators,${BUILTIN}`, 'Print Operators', 2],
        [`CN=Replicator,${BUILTIN}`, 'Replicator', 2],
        [`CN=DnsAdmins,${USERS}`, 'DnsAdmins', 2],
        [`CN=Protected Users,${USERS}`, 'Protected Users', 0],
      ];
      for (const [groupDn, name, depth] of cases) {
        const p = await person();
        // p ∈ level 1 ∈ level 2 ∈ the privileged group (or p directly in it).
        let member = p.dn;
        for (let level = 1; level <= depth; level++) {
          const group = await ad.addGroup(`CN=${p.login} level ${level},OU=Groups,${AD_BASE}`, `${p.login}-l${level}`);
          await ad.addMember(group, member);
          member = group;
        }
        await ad.addMember(groupDn, member);
        const error = await refusedAtLookup(harness, p);
        expect(error, name).toContain(`The account is a member of ${name} in Active Directory`);
        expect(error).toContain('the bot never resets those');
        // Protected Users may not use a simple bind at all (Samba refuses NTLM-style logons for them).
        if (name !== 'Protected Users') expect(await ad.bind(p.dn, p.password), name).toBe('ok');
      }
      const rows = await auditRows(harness);
      expect(rows.map((r) => [r.result, r.errorCode])).toEqual(cases.map(() => ['refused', 'ACCOUNT_PROTECTED']));
      await ordinaryReset(harness);
    });

    it('refuses an account whose primary group is Domain Admins (absent from member)', async () => {
      const ad = directory();
      const harness = await start({ LDAP_PROTECTED_GROUPS: `CN=Domain Admins,${USERS}` });
      const p = await person();
      await ad.addMember(`CN=Domain Admins,${USERS}`, p.dn);
      await ad.replace(p.dn, 'primaryGroupID', '512');
      // Samba moves the membership into primaryGroupID: Domain Admins no longer lists the account.
      expect(JSON.stringify(await ad.snapshot(`CN=Domain Admins,${USERS}`))).not.toContain(p.dn);
      expect(await refusedAtLookup(harness, p)).toContain('The account is a member of Domain Admins');
      await ordinaryReset(harness);
    });

    it('refuses an account whose sIDHistory carries a privileged SID from another domain', async () => {
      const ad = directory();
      const harness = await start();
      const migratedAdmin = await person();
      await ad.addSidHistory(migratedAdmin.dn, 'S-1-5-21-1111-2222-3333-512');
      const migratedRoot = await person();
      await ad.addSidHistory(migratedRoot.dn, 'S-1-5-21-1111-2222-3333-500');
      expect(await refusedAtLookup(harness, migratedAdmin)).toContain('The account is a member of Domain Admins');
      expect(await refusedAtLookup(harness, migratedRoot)).toContain('This is the built-in Administrator account');
      // An ordinary SID in the history is no reason to refuse.
      const migrated = await person();
      await ad.addSidHistory(migrated.dn, 'S-1-5-21-1111-2222-3333-1234');
      await lookup(harness, migrated.code);
      expect(await confirmAndWait(harness)).toContain('Temporary password set and sent');
      expect(await ad.bind(migrated.dn, textedPassword(harness))).toBe('must_change');
    });

    it('says to fix LDAP_PROTECTED_GROUPS, and resets nobody, when a protected group is deleted after start-up', async () => {
      const ad = directory();
      const doomed = await ad.addGroup(`CN=Ad Edge Doomed,OU=Groups,${AD_BASE}`, 'adedge-doomed');
      const harness = await start({ LDAP_PROTECTED_GROUPS: doomed });
      await ad.deleteEntry(doomed);
      const p = await person();
      const words = JSON.stringify((await lookup(harness, p.code)).body);
      expect(words).toContain('read a group listed in LDAP_PROTECTED_GROUPS');
      expect(words).toContain('fix LDAP_PROTECTED_GROUPS');
      expect(harness.twilio.createRequests).toHaveLength(0);
    });

    it('refuses smart-card-only, expired and service accounts, and resets one that expires in the future', async () => {
      const ad = directory();
      const harness = await start();
      const smartcard = await person();
      await ad.replace(smartcard.dn, 'userAccountControl', String(512 | 0x40000));
      const expired = await person({ accountExpires: filetime(Date.UTC(2020, 0, 1)) });
      const service = await person({ servicePrincipalName: `HTTP/adedge-svc-${seq}.example.test` });
      // The expired account really cannot log in (data 701), even with its own password.
      expect(await ad.bind(expired.dn, expired.password)).toBe('invalid');
      expect(await refusedAtLookup(harness, smartcard)).toContain('"smart card is required for interactive logon"');
      expect(await refusedAtLookup(harness, expired)).toContain('The account has expired in Active Directory');
      expect(await refusedAtLookup(harness, service)).toContain(
        "Change a service account's password where the service is configured",
      );
      expect((await auditRows(harness)).map((r) => r.errorCode).reverse()).toEqual([
        'SMARTCARD_REQUIRED',
        'ACCOUNT_CANNOT_LOG_IN',
        'SERVICE_ACCOUNT',
      ]);
      const later = await person({ accountExpires: filetime(Date.UTC(2099, 0, 1)) });
      await lookup(harness, later.code);
      expect(await confirmAndWait(harness)).toContain('Temporary password set and sent');
      expect(await ad.bind(later.dn, textedPassword(harness))).toBe('must_change');
    });

    it('fails closed when the bot may not read userAccountControl or tokenGroups, naming the missing read right (doctor too)', async () => {
      const ad = directory();
      const harness = await start();
      const disabled = await person();
      await ad.disable(disabled.dn);
      await ad.denyBotRead(disabled.dn, 'userAccountControl');
      const admin = await person();
      await ad.addMember(`CN=Domain Admins,${USERS}`, admin.dn);
      await ad.denyBotRead(admin.dn, 'tokenGroups');
      const expired = await person({ accountExpires: filetime(Date.UTC(2020, 0, 1)) });
      await ad.denyBotRead(expired.dn, 'accountExpires');
      for (const [p, missing] of [
        [disabled, 'userAccountControl'],
        [admin, 'tokenGroups'],
        [expired, 'accountExpires'],
      ] as const) {
        const error = await refusedAtLookup(harness, p);
        expect(error).toContain(`may not read ${missing} of this account`);
      }
      const rows = await auditRows(harness);
      expect(rows.map((r) => [r.result, r.errorCode])).toEqual([
        ['refused', 'ACCOUNT_UNREADABLE'],
        ['refused', 'ACCOUNT_UNREADABLE'],
        ['refused', 'ACCOUNT_UNREADABLE'],
      ]);
      // doctor reads a sample account exactly as a reset would, and says which read right is missing.
      const slack = await new FakeSlack().start();
      const twilio = await new FakeTwilio().start();
      slack.setGroup(ADMIN_GROUP, [ADMIN]);
      try {
        const out: string[] = [];
        const exit = await runCli(
          ['doctor', '--json', '--employee', admin.code],
          { ...testEnv(slack, twilio, 'http'), ...ad.botEnv({ LDAP_PROTECTED_GROUPS: '' }) },
          (s) => out.push(s),
          () => undefined,
        );
        const report = JSON.parse(out.join('')) as DoctorReport;
        const check = report.checks.find((c) => c.id === 'directory_lookup');
        expect(exit).toBe(1);
        expect(check).toMatchObject({ status: 'fail', detail: expect.stringContaining('may not read tokenGroups') });
      } finally {
        await Promise.all([slack.stop(), twilio.stop()]);
      }
      await ordinaryReset(harness);
    });
  });
}
