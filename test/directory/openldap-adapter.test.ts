import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLdapDirectory } from '../../src/adapters/ldap/directory.js';
import type { LdapConfig } from '../../src/config/index.js';
import { AppError, ErrorCode } from '../../src/errors.js';
import type { Directory, DirectoryAccount } from '../../src/ports/index.js';
import { LdapPeople } from '../helpers/ldap-people.js';
import {
  LDAP_ADMINS_GROUP,
  LDAP_BASE,
  LDAP_BOT,
  LDAP_READONLY_BOT,
  requireSlapd,
  type Slapd,
  startSlapd,
} from '../helpers/slapd.js';

/** The LDAP adapter in its OpenLDAP dialect against a real slapd with ppolicy: no fakes. */
const enabled = requireSlapd();

describe.runIf(enabled)('LDAP directory adapter on a real slapd', () => {
  let slapd: Slapd;
  let people: LdapPeople;
  const directories: Directory[] = [];
  const config = (over: Partial<LdapConfig> = {}): LdapConfig => ({
    url: slapd.url,
    startTls: true,
    caFile: slapd.caFile,
    bindDn: LDAP_BOT.dn,
    bindPassword: LDAP_BOT.password,
    baseDn: LDAP_BASE,
    employeeAttribute: 'employeeNumber',
    phoneAttribute: 'mobile',
    userFilter: '(objectClass=person)',
    timeoutMs: 5000,
    protectedGroups: [LDAP_ADMINS_GROUP],
    insecure: false,
    ...over,
  });
  const open = (over: Partial<LdapConfig> = {}) => {
    const d = createLdapDirectory('ldap', config(over));
    directories.push(d);
    return d;
  };
  const one = async (d: Directory, code: string): Promise<DirectoryAccount> => {
    const r = await d.findByEmployeeCode(code);
    if (r.found !== 'one') throw new Error(`expected one match for ${code}, got ${r.found}`);
    return r.account;
  };

  beforeAll(async () => {
    slapd = await startSlapd();
    people = new LdapPeople(slapd);
    await people.add({
      uid: 'alice',
      code: 'E1001',
      name: 'Alice Anders',
      mobile: '+1 500 555 0006',
      password: 'Alice-Old-1',
    });
    await people.add({ uid: 'twin1', code: 'E2000', mobile: '+15005550006' });
    await people.add({ uid: 'twin2', code: 'E2000', mobile: '+15005550006' });
    await people.add({ uid: 'nophone', code: 'E3000' });
    const boss = await people.add({ uid: 'boss', code: 'E4000', mobile: '+15005550006' });
    await people.addToGroup(LDAP_ADMINS_GROUP, boss);
    await people.disable(await people.add({ uid: 'gone', code: 'E5000', mobile: '+15005550006' }));
  });
  afterAll(async () => {
    await Promise.all(directories.map((d) => d.close()));
    await slapd?.stop();
  });

  it('binds at start-up over StartTLS with the private CA', async () => {
    await expect(open().verify()).resolves.toBeUndefined();
  });

  it('finds one employee by code with the number on record, as stored', async () => {
    const d = open();
    expect(await d.findByEmployeeCode('E1001')).toEqual({
      found: 'one',
      account: {
        id: 'uid=alice,ou=people,dc=example,dc=com',
        login: 'alice',
        displayName: 'Alice Anders',
        employeeCode: 'E1001',
        mobiles: ['+1 500 555 0006'],
        disabled: false,
        locked: false,
      },
    });
  });

  it('says none, many, disabled, protected and no mobile for what they are', async () => {
    const d = open();
    expect(await d.findByEmployeeCode('E9999')).toEqual({ found: 'none' });
    expect(await d.findByEmployeeCode('E2000')).toEqual({ found: 'many', count: 2 });
    expect((await one(d, 'E3000')).mobiles).toEqual([]);
    expect(await one(d, 'E4000')).toMatchObject({
      login: 'boss',
      protection: { reason: 'protected_group', what: LDAP_ADMINS_GROUP },
    });
    expect(await one(d, 'E5000')).toMatchObject({ login: 'gone', disabled: true, locked: false });
  });

  it('reads the first email on record, trimmed, and none from a blank one', async () => {
    const d = open();
    const dn = await people.add({ uid: 'dora', code: 'E6100', mobile: '+15005550006' });
    await people.replace(dn, 'mail', '  Dora.Ek@Example.com ', 'dora@mail.example.com');
    expect((await one(d, 'E6100')).email).toBe('Dora.Ek@Example.com');
    await people.replace(dn, 'mail', '   ');
    expect((await one(d, 'E6100')).email).toBeUndefined();
  });

  it('escapes the code: filter syntax in it matches nothing', async () => {
    const d = open();
    for (const code of ['*', '*)(uid=*', 'E1001)(uid=*', 'E100*', '\\2a', '*)(|(objectClass=*']) {
      expect(await d.findByEmployeeCode(code), code).toEqual({ found: 'none' });
    }
  });

  it('sets a temporary password that must be changed at first login; the old one stops working', async () => {
    const dn = await people.add({ uid: 'bob', code: 'E1002', mobile: '+15005550006', password: 'Bob-Old-1' });
    const d = open();
    const receipt = await d.setTemporaryPassword(await one(d, 'E1002'), 'Temp-Pass-4711!');
    expect(receipt.unlocked).toBe(false);
    const marker = await receipt.marker;
    expect(marker).toMatch(/^\d{14}Z$/);
    expect(await people.attribute(dn, 'pwdReset')).toBe('TRUE');
    expect(await people.bind(dn, 'Temp-Pass-4711!')).toBe('must_change');
    expect(await people.bind(dn, 'Bob-Old-1')).toBe('invalid');
    expect(await d.passwordChangedSince(dn, marker)).toEqual({ changed: false });
    await people.changeOwnPassword(dn, 'Temp-Pass-4711!', 'Bobs-Own-Choice-9');
    // pwdChangedTime as ppolicy wrote it at the employee's change (YYYYMMDDhhmmssZ).
    const written = String(await people.attribute(dn, 'pwdChangedTime'));
    const at = new Date(written.replace(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    expect(await d.passwordChangedSince(dn, marker)).toEqual({ changed: true, at });
    expect(await people.bind(dn, 'Bobs-Own-Choice-9')).toBe('ok');
  });

  it('unlocks an account locked by failed logins in the same write', async () => {
    const dn = await people.add({ uid: 'carol', code: 'E1003', mobile: '+15005550006', password: 'Carol-Old-1' });
    await people.lockOut(dn);
    expect(await people.bind(dn, 'Carol-Old-1')).toBe('invalid');
    const d = open();
    const account = await one(d, 'E1003');
    expect(account).toMatchObject({ locked: true, disabled: false });
    expect((await d.setTemporaryPassword(account, 'Temp-Pass-4712!')).unlocked).toBe(true);
    expect(await people.attribute(dn, 'pwdAccountLockedTime')).toBeUndefined();
    expect(await people.bind(dn, 'Temp-Pass-4712!')).toBe('must_change');
  });

  it('scrambles: neither the old nor the temporary password binds, and the change is still forced', async () => {
    const dn = await people.add({ uid: 'dave', code: 'E1004', mobile: '+15005550006', password: 'Dave-Old-1' });
    const d = open();
    await d.setTemporaryPassword(await one(d, 'E1004'), 'Temp-Pass-4713!');
    await d.scramble(dn);
    expect(await people.bind(dn, 'Dave-Old-1')).toBe('invalid');
    expect(await people.bind(dn, 'Temp-Pass-4713!')).toBe('invalid');
    expect(await people.attribute(dn, 'pwdReset')).toBe('TRUE');
  });

  it('maps a bind account without write rights to DIRECTORY_ACCESS_DENIED and changes nothing', async () => {
    const dn = await people.add({ uid: 'erin', code: 'E1005', mobile: '+15005550006', password: 'Erin-Old-1' });
    const before = await people.snapshot(dn);
    const d = open({ bindDn: LDAP_READONLY_BOT.dn, bindPassword: LDAP_READONLY_BOT.password });
    const err = await d.setTemporaryPassword(await one(d, 'E1005'), 'Temp-Pass-4714!').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: ErrorCode.DirectoryAccessDenied, details: { ldapCode: 50 } });
    expect(await people.snapshot(dn)).toEqual(before);
    expect(await people.bind(dn, 'Erin-Old-1')).toBe('ok');
  });

  it('names the variable to fix when the start-up check fails', async () => {
    const check = (over: Partial<LdapConfig>) =>
      open(over)
        .verify()
        .then(
          () => 'ok',
          (e: Error) => e.message,
        );
    expect(await check({ bindPassword: 'wrong' })).toBe(
      'LDAP_BIND_DN / LDAP_BIND_PASSWORD: the directory refused the bind (LDAP result 49: invalid credentials)',
    );
    expect(await check({ url: 'ldap://127.0.0.1:1' })).toBe(
      'LDAP_URL: cannot connect to ldap://127.0.0.1:1 (ECONNREFUSED)',
    );
    expect(await check({ caFile: undefined })).toMatch(
      /^LDAP_CA_FILE: the certificate of ldap:\/\/127\.0\.0\.1:\d+ is not trusted \(/,
    );
    expect(await check({ baseDn: 'ou=nowhere,dc=example,dc=com' })).toBe(
      'LDAP_BASE_DN: ou=nowhere,dc=example,dc=com cannot be read (no such entry)',
    );
    expect(await check({ protectedGroups: ['cn=it-admns,ou=groups,dc=example,dc=com'] })).toBe(
      'LDAP_PROTECTED_GROUPS: cn=it-admns,ou=groups,dc=example,dc=com cannot be read (no such entry)',
    );
    // A group whose members cannot be read (or which is no groupOfNames / groupOfUniqueNames) would protect nobody.
    expect(await check({ protectedGroups: ['ou=groups,dc=example,dc=com'] })).toBe(
      'LDAP_PROTECTED_GROUPS: the members of ou=groups,dc=example,dc=com cannot be read (the bot needs read on member or uniqueMember; groupOfNames and groupOfUniqueNames are supported)',
    );
    expect(() => open({ caFile: '/nonexistent/ca.pem' })).toThrow(
      'LDAP_CA_FILE: cannot read /nonexistent/ca.pem (ENOENT)',
    );
  });

  it('fails a lookup with DIRECTORY_UNAVAILABLE when the directory cannot be reached', async () => {
    const err = await open({ url: 'ldap://127.0.0.1:1', startTls: false })
      .findByEmployeeCode('E1001')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: ErrorCode.DirectoryUnavailable,
      details: { reason: 'connect_failed', transport: 'ECONNREFUSED' },
    });
  });
});
