import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_GROUP_DEPTH } from '../../src/adapters/ldap/nested-groups.js';
import { nodeDebugEnables } from '../../src/config/directory.js';
import { BLOCK_IDS } from '../../src/views/reset-modal.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import { FakeTwilio } from '../fakes/fake-twilio.js';
import { ADMIN, ADMIN_GROUP, type Harness, startHarness, startOutcome, testEnv } from '../helpers/harness.js';
import { LdapPeople } from '../helpers/ldap-people.js';
import {
  LDAP_ADMINS_GROUP,
  LDAP_BASE,
  LDAP_BLIND_BOT,
  requireSlapd,
  type Slapd,
  startSlapd,
} from '../helpers/slapd.js';
import { auditRows, confirmAndWait, lookup, textedPassword } from './bot-steps.js';

/**
 * What a reset must never do on OpenLDAP, each against a real slapd with ppolicy and through the real bot: lift an
 * administrator's lock however it is spelled, reset an account outside its validity window, miss a protected group
 * behind a nested one, print passwords through NODE_DEBUG, or count one account as two employees. Each test also
 * resets an ordinary account in the same run, so a refusal is never a bot that refuses everything.
 */
describe.runIf(requireSlapd())('OpenLDAP edge cases (real slapd)', () => {
  let slapd: Slapd;
  let people: LdapPeople;
  let h: Harness | undefined;
  let seq = 0;
  beforeAll(async () => {
    slapd = await startSlapd();
    people = new LdapPeople(slapd);
  });
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });
  afterAll(async () => {
    await slapd?.stop();
  });

  const start = async (env: Record<string, string> = {}) => {
    h = await startHarness({ env: people.botEnv(env) });
    return h;
  };
  const person = async () => {
    const n = ++seq;
    const uid = `edge${n}`;
    const password = `Edge-Old-${n}-xyzzy!`;
    const code = `EDGE-${n}`;
    const dn = await people.add({ uid, code, mobile: '+15005550006', password });
    return { dn, uid, code, password };
  };
  /** An ordinary account, reset end to end by the same bot: the proof that the refusals are specific. */
  const ordinaryReset = async (
    harness: Harness,
    codeOf: (p: { code: string; uid: string }) => string = (p) => p.code,
  ) => {
    const p = await person();
    const texts = harness.twilio.createRequests.length;
    expect((await lookup(harness, codeOf(p))).body).toMatchObject({ response_action: 'update' });
    expect(await confirmAndWait(harness)).toContain('Temporary password set and sent');
    expect(harness.twilio.createRequests).toHaveLength(texts + 1);
    expect(await people.bind(p.dn, textedPassword(harness, texts))).toBe('must_change');
  };
  const fieldError = (ack: { body: unknown }) =>
    String((ack.body as { errors?: Record<string, string> }).errors?.[BLOCK_IDS.code] ?? JSON.stringify(ack.body));

  it('treats an administrator lock (year 0000 in any spelling, time zero, a time to come) as such: refused, never lifted', async () => {
    const harness = await start();
    // Year 0000 however written, time zero (ppolicy's own test), and a time to come (only an administrator writes one).
    const spellings = [
      '000001010000Z',
      '00000101000000Z',
      '000001010000.0Z',
      '00000101000000,5Z',
      '19700101000000Z',
      '20990101000000Z',
    ];
    for (const spelling of spellings) {
      const p = await person();
      await people.replace(p.dn, 'pwdAccountLockedTime', spelling);
      const before = await people.snapshot(p.dn);
      expect(fieldError(await lookup(harness, p.code)), spelling).toContain('The account is disabled');
      expect(await people.snapshot(p.dn)).toEqual(before);
      expect(await people.attribute(p.dn, 'pwdAccountLockedTime')).toBe(spelling);
    }
    expect(harness.twilio.createRequests).toHaveLength(0);
    expect((await auditRows(harness)).map((r) => r.errorCode)).toEqual(spellings.map(() => 'ACCOUNT_DISABLED'));
    // A lock by failed logins (a real time) is still lifted by a reset.
    const locked = await person();
    await people.lockOut(locked.dn);
    expect(JSON.stringify((await lookup(harness, locked.code)).body)).toContain('Locked by failed logins');
    expect(await confirmAndWait(harness)).toContain('it is unlocked now');
    expect(await people.bind(locked.dn, textedPassword(harness))).toBe('must_change');
    await ordinaryReset(harness);
  });

  it('refuses an account outside its ppolicy validity window, and resets one whose end is still ahead', async () => {
    const harness = await start();
    const ended = await person();
    await people.replace(ended.dn, 'pwdEndTime', '20200101000000Z');
    const early = await person();
    await people.replace(early.dn, 'pwdStartTime', '20990101000000Z');
    for (const [p, words] of [
      [ended, 'its password policy end time (pwdEndTime) has passed'],
      [early, 'its password policy start time (pwdStartTime) is in the future'],
    ] as const) {
      // The account really cannot log in, even with its own password: a new one would not work either.
      expect(await people.bind(p.dn, p.password)).toBe('invalid');
      const before = await people.snapshot(p.dn);
      const error = fieldError(await lookup(harness, p.code));
      expect(error).toContain(words);
      expect(await people.snapshot(p.dn)).toEqual(before);
    }
    expect((await auditRows(harness)).map((r) => [r.result, r.errorCode])).toEqual([
      ['refused', 'ACCOUNT_CANNOT_LOG_IN'],
      ['refused', 'ACCOUNT_CANNOT_LOG_IN'],
    ]);
    const ahead = await person();
    await people.replace(ahead.dn, 'pwdEndTime', '20990101000000Z');
    await lookup(harness, ahead.code);
    expect(await confirmAndWait(harness)).toContain('Temporary password set and sent');
    expect(await people.bind(ahead.dn, textedPassword(harness))).toBe('must_change');
    expect(harness.twilio.createRequests).toHaveLength(1);
  });

  it('follows nested protected groups (groupOfNames and groupOfUniqueNames), through cycles, and resets non-members', async () => {
    const harness = await start();
    const group = async (cn: string, objectClass: 'groupOfNames' | 'groupOfUniqueNames', member: string) => {
      const dn = `cn=${cn},ou=groups,${LDAP_BASE}`;
      await people.addEntry(dn, {
        objectClass: [objectClass],
        cn,
        [objectClass === 'groupOfNames' ? 'member' : 'uniqueMember']: member,
      });
      return dn;
    };
    // deep ∈ team (groupOfUniqueNames) ∈ leads ∈ it-admins (protected): two levels below the protected group.
    const deep = await person();
    const team = await group('edge-team', 'groupOfUniqueNames', deep.dn);
    const leads = await group('edge-leads', 'groupOfNames', team);
    await people.addToGroup(LDAP_ADMINS_GROUP, leads);
    // A cycle that reaches no protected group: a ∈ cycle-1 ∈ cycle-2 ∈ cycle-1.
    const looped = await person();
    const c1 = await group('edge-cycle-1', 'groupOfNames', looped.dn);
    const c2 = await group('edge-cycle-2', 'groupOfNames', c1);
    await people.addToGroup(c1, c2);

    const before = await people.snapshot(deep.dn);
    const error = fieldError(await lookup(harness, deep.code));
    expect(error).toContain(`in a protected group (${LDAP_ADMINS_GROUP}) listed in LDAP_PROTECTED_GROUPS`);
    expect(await people.snapshot(deep.dn)).toEqual(before);
    expect((await auditRows(harness))[0]).toMatchObject({ result: 'refused', errorCode: 'ACCOUNT_PROTECTED' });

    expect((await lookup(harness, looped.code)).body).toMatchObject({ response_action: 'update' });
    expect(await confirmAndWait(harness)).toContain('Temporary password set and sent');
    expect(await people.bind(looped.dn, textedPassword(harness))).toBe('must_change');
  });

  it('finds a protected group however LDAP_PROTECTED_GROUPS spells it, and through entries of any object class', async () => {
    const admins = `cn=ops admins,ou=groups,${LDAP_BASE}`;
    const direct = await person();
    await people.addEntry(admins, { objectClass: ['groupOfNames'], cn: 'ops admins', member: direct.dn });
    // The spelling an operator might paste: attribute type by name, an escaped space, other case and spaces.
    const harness = await start({ LDAP_PROTECTED_GROUPS: 'commonName=ops\\20admins, OU=Groups,DC=example, dc=com' });
    expect(fieldError(await lookup(harness, direct.code))).toContain('in a protected group (commonName=ops\\20admins');
    // An entry that lists members without being a groupOfNames (organizationalRole + extensibleObject) still nests.
    const nested = await person();
    const role = `cn=edge-role,ou=groups,${LDAP_BASE}`;
    await people.addEntry(role, {
      objectClass: ['organizationalRole', 'extensibleObject'],
      cn: 'edge-role',
      member: nested.dn,
    });
    await people.addToGroup(admins, role);
    expect(fieldError(await lookup(harness, nested.code))).toContain('in a protected group');
    await ordinaryReset(harness);
  });

  it("matches uniqueMember values that carry the account's x500UniqueIdentifier", async () => {
    const p = await person();
    await people.replace(p.dn, 'x500UniqueIdentifier', "'0101'B");
    await people.addEntry(`cn=edge-unique,ou=groups,${LDAP_BASE}`, {
      objectClass: ['groupOfUniqueNames'],
      cn: 'edge-unique',
      uniqueMember: `${p.dn}#'0101'B`,
    });
    const harness = await start({ LDAP_PROTECTED_GROUPS: `cn=edge-unique,ou=groups,${LDAP_BASE}` });
    expect(fieldError(await lookup(harness, p.code))).toContain('in a protected group (cn=edge-unique');
    await ordinaryReset(harness);
  });

  it('counts an account whose groups nest deeper, or spread wider, than it can follow as protected, and says why', async () => {
    const p = await person();
    let member = p.dn;
    for (let level = 1; level <= MAX_GROUP_DEPTH + 1; level++) {
      const dn = `cn=edge-deep-${level},ou=groups,${LDAP_BASE}`;
      await people.addEntry(dn, { objectClass: ['groupOfNames'], cn: `edge-deep-${level}`, member });
      member = dn;
    }
    const harness = await start();
    const error = fieldError(await lookup(harness, p.code));
    expect(error).toContain('The bot cannot rule out that the account is in a group listed in LDAP_PROTECTED_GROUPS');
    expect(error).toContain(`nested more than ${MAX_GROUP_DEPTH} levels deep`);
    // More groups at one level than slapd returns in one answer (500 by default): the rest cannot be seen.
    const crowded = await person();
    for (let i = 0; i < 501; i++) {
      await people.addEntry(`cn=edge-crowd-${i},ou=groups,${LDAP_BASE}`, {
        objectClass: ['groupOfNames'],
        cn: `edge-crowd-${i}`,
        member: crowded.dn,
      });
    }
    expect(fieldError(await lookup(harness, crowded.code))).toContain(
      'more groups at one level than the directory returns in one search',
    );
    await ordinaryReset(harness);
  });

  it('fails closed when the bot may not read ppolicy state, or a protected group is gone, saying which', async () => {
    const locked = await person();
    await people.replace(locked.dn, 'pwdAccountLockedTime', '000001010000Z');
    const blind = await start({ LDAP_BIND_DN: LDAP_BLIND_BOT.dn, LDAP_BIND_PASSWORD: LDAP_BLIND_BOT.password });
    const error = fieldError(await lookup(blind, locked.code));
    expect(error).toContain('may not read pwdAccountLockedTime and pwdEndTime of this account');
    expect(error).not.toContain('disabled in');
    expect((await auditRows(blind))[0]).toMatchObject({ result: 'refused', errorCode: 'ACCOUNT_UNREADABLE' });
    await blind.stop();
    h = undefined;
    // A protected group deleted after start-up: nobody can be vouched for until LDAP_PROTECTED_GROUPS is fixed.
    const doomed = `cn=edge-doomed,ou=groups,${LDAP_BASE}`;
    const member = await person();
    await people.addEntry(doomed, { objectClass: ['groupOfNames'], cn: 'edge-doomed', member: member.dn });
    const harness = await start({ LDAP_PROTECTED_GROUPS: doomed });
    await people.deleteEntry(doomed);
    const words = JSON.stringify((await lookup(harness, member.code)).body);
    expect(words).toContain('read a group listed in LDAP_PROTECTED_GROUPS');
    expect(words).toContain('fix LDAP_PROTECTED_GROUPS');
    expect(harness.twilio.createRequests).toHaveLength(0);
  });

  it('counts the per-employee limits per account: two codes on one account do not buy a second reset', async () => {
    // employeeNumber holds one value; a multi-valued attribute (here uid, with an alias) can hold two codes.
    const harness = await start({ LDAP_EMPLOYEE_ATTRIBUTE: 'uid' });
    const p = await person();
    await people.replace(p.dn, 'uid', p.uid, `${p.uid}-alias`);
    await lookup(harness, p.uid);
    expect(await confirmAndWait(harness)).toContain('Temporary password set and sent');
    await lookup(harness, `${p.uid}-alias`);
    const refused = await confirmAndWait(harness);
    expect(refused).toContain('RATE_LIMITED');
    expect(refused).toContain('reset of this employee per 10 minutes');
    expect(harness.twilio.createRequests).toHaveLength(1);
    expect(await people.bind(p.dn, textedPassword(harness))).toBe('must_change');
    expect((await auditRows(harness))[0]).toMatchObject({
      result: 'rate_limited',
      errorCode: 'RATE_LIMITED:employee_10m',
    });
    await ordinaryReset(harness, (o) => o.uid);
  });

  describe('NODE_DEBUG', () => {
    const patterns = [
      'ldapts',
      'LDAPTS',
      'ld*',
      'l*s',
      '*',
      'http,ldapts',
      'http,ld*',
      'ldapts,',
      ' ldapts',
      'ldap',
      'ldapts2',
      'net,tls',
      'ld?pts',
      'l.apts',
      'http , ldapts',
      '*ts',
    ];

    it('is matched the way Node matches it (each pattern checked against Node itself)', () => {
      for (const pattern of patterns) {
        const node = execFileSync(
          process.execPath,
          ['-e', "process.stdout.write(String(require('node:util').debuglog('ldapts').enabled))"],
          {
            env: { ...process.env, NODE_DEBUG: pattern },
          },
        ).toString();
        expect(nodeDebugEnables(pattern, 'ldapts'), `NODE_DEBUG=${JSON.stringify(pattern)}`).toBe(node === 'true');
      }
    });

    it('stops start-up for every value that would make ldapts print, and starts for others', async () => {
      const slack = await new FakeSlack().start();
      const twilio = await new FakeTwilio().start();
      slack.setGroup(ADMIN_GROUP, [ADMIN]);
      const startWith = (NODE_DEBUG: string) =>
        startOutcome({ ...testEnv(slack, twilio, 'http'), ...people.botEnv(), NODE_DEBUG });
      try {
        for (const value of ['ld*', 'LDAPTS', 'http,l*', '*ts']) {
          expect(await startWith(value), value).toContain('NODE_DEBUG includes ldapts');
        }
        expect(await startWith('http,tls')).toBe('started');
      } finally {
        await Promise.all([slack.stop(), twilio.stop()]);
      }
    });
  });
});
