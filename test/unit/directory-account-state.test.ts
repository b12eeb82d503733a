import { describe, expect, it } from 'vitest';
import { privileged } from '../../src/adapters/ldap/active-directory.js';
import { normalizeDn } from '../../src/adapters/ldap/dn.js';
import { parseGeneralizedTime } from '../../src/adapters/ldap/generalized-time.js';
import { lockOf, validityOf } from '../../src/adapters/ldap/openldap.js';
import { sidToString } from '../../src/adapters/ldap/sid.js';
import { checkEligible } from '../../src/domain/employee.js';
import { ErrorCode } from '../../src/errors.js';
import type { DirectoryAccount } from '../../src/ports/index.js';
import { toUserMessage } from '../../src/user-messages.js';

/**
 * The pure parts of judging an account: time and SID formats, and the order of the refusals. The directories
 * themselves are judged against real servers in test/directory.
 */
describe('GeneralizedTime (RFC 4517)', () => {
  it.each([
    ['20261129223000Z', Date.UTC(2026, 10, 29, 22, 30, 0)],
    ['202611292230Z', Date.UTC(2026, 10, 29, 22, 30, 0)],
    ['2026112922Z', Date.UTC(2026, 10, 29, 22, 0, 0)],
    ['2026112922.5Z', Date.UTC(2026, 10, 29, 22, 30, 0)],
    ['202611292230,5Z', Date.UTC(2026, 10, 29, 22, 30, 30)],
    ['20261129223000.250Z', Date.UTC(2026, 10, 29, 22, 30, 0, 250)],
    ['20261129233000+0100', Date.UTC(2026, 10, 29, 22, 30, 0)],
    ['20261129203000-02', Date.UTC(2026, 10, 29, 22, 30, 0)],
  ])('%s is %s', (value, epochMs) => {
    expect(parseGeneralizedTime(value)).toEqual({ kind: 'time', epochMs });
  });

  it.each([
    '000001010000Z',
    '00000101000000Z',
    '000001010000.0Z',
    '0000010100Z',
    '00000101000000,5Z',
    '00001231235959Z',
  ])('%s is year zero', (value) => expect(parseGeneralizedTime(value)).toEqual({ kind: 'year_zero' }));

  it.each([
    '',
    'yesterday',
    '2026-11-29T22:30:00Z',
    '20261329000000Z',
    '20261129246000Z',
    '20261129223000',
    '2026112922300Z',
  ])('%j is not a GeneralizedTime', (value) => expect(parseGeneralizedTime(value)).toBeUndefined());
});

describe('ppolicy account state', () => {
  const now = Date.UTC(2026, 10, 29);
  it('tells an administrator lock (time zero, year zero, the future, not a time) from a lock by failed logins', () => {
    expect(lockOf(undefined, now)).toBeUndefined();
    expect(lockOf('000001010000.0Z', now)).toBe('permanent');
    expect(lockOf('19700101000000Z', now)).toBe('permanent');
    expect(lockOf('20990101000000Z', now)).toBe('permanent');
    expect(lockOf('garbage', now)).toBe('permanent');
    expect(lockOf('20261128220000Z', now)).toBe('failed_logins');
  });

  it('refuses outside the validity window, and when a bound cannot be read', () => {
    expect(validityOf(undefined, undefined, now)).toBeUndefined();
    expect(validityOf(undefined, '20261128000000Z', now)).toBe('validity_ended');
    expect(validityOf(undefined, '20261130000000Z', now)).toBeUndefined();
    expect(validityOf('20261130000000Z', undefined, now)).toBe('not_yet_valid');
    expect(validityOf('20261128000000Z', '20261130000000Z', now)).toBeUndefined();
    expect(validityOf(undefined, 'soon', now)).toBe('validity_ended');
    expect(validityOf('later', undefined, now)).toBe('not_yet_valid');
  });

  it('compares DNs case- and space-insensitively', () => {
    expect(normalizeDn(' CN=IT Admins , OU=Groups,dc=Example, DC=com ')).toBe(
      'cn=it admins,ou=groups,dc=example,dc=com',
    );
  });
});

describe('Active Directory SIDs', () => {
  const sid = (authority: number, ...subs: number[]) => {
    const b = Buffer.alloc(8 + 4 * subs.length);
    b[0] = 1;
    b[1] = subs.length;
    b.writeUIntBE(authority, 2, 6);
    for (const [i, s] of subs.entries()) b.writeUInt32LE(s, 8 + 4 * i);
    return b;
  };
  const DOMAIN = [21, 4068832167, 3339547576, 3476100434];

  it('reads the binary form', () => {
    expect(sidToString(sid(5, 32, 544))).toBe('S-1-5-32-544');
    expect(sidToString(sid(5, ...DOMAIN, 512))).toBe('S-1-5-21-4068832167-3339547576-3476100434-512');
    expect(sidToString(Buffer.from([1, 2, 0, 0]))).toBeUndefined();
  });

  const entry = (over: Record<string, unknown> = {}) => ({
    dn: 'CN=x,OU=People,DC=example,DC=test',
    objectSid: [sid(5, ...DOMAIN, 1105)],
    primaryGroupID: '513',
    ...over,
  });
  const d = (rid: number) => `S-1-5-21-1-2-3-${rid}`;

  it.each([
    [[d(526)], 'Key Admins'],
    [[d(527)], 'Enterprise Key Admins'],
    [[d(521)], 'Read-only Domain Controllers'],
    [['S-1-5-32-544', d(512)], 'Domain Admins'],
    [['S-1-5-32-552'], 'Replicator'],
  ])('refuses %j as %s, another domain of the forest included', (groups, name) => {
    expect(privileged(entry(), groups, new Map())).toEqual({ reason: 'privileged_group', what: name });
  });

  it('refuses the built-in accounts and a privileged primary group, then adminCount, then configured groups', () => {
    expect(privileged(entry({ objectSid: [sid(5, ...DOMAIN, 502)] }), [], new Map())).toEqual({
      reason: 'privileged_account',
      what: 'krbtgt',
    });
    expect(privileged(entry({ primaryGroupID: '519' }), [d(513)], new Map())).toEqual({
      reason: 'privileged_group',
      what: 'Enterprise Admins',
    });
    const named = new Map([[d(1200), { reason: 'protected_group' as const, what: 'CN=IT Admins' }]]);
    expect(privileged(entry({ adminCount: '1' }), [d(1200)], named)).toEqual({ reason: 'admin_count' });
    expect(privileged(entry(), [d(513), d(1200)], named)).toEqual(named.get(d(1200)));
    expect(privileged(entry(), [d(513), 'S-1-5-32-545'], named)).toBeUndefined();
  });

  it('counts privileged SIDs carried in sIDHistory, as an account or as a group', () => {
    const history = (rid: number) => entry({ sIDHistory: [sid(5, 21, 1111, 2222, 3333, rid)] });
    expect(privileged(history(500), [], new Map())).toEqual({ reason: 'privileged_account', what: 'Administrator' });
    expect(privileged(history(519), [], new Map())).toEqual({ reason: 'privileged_group', what: 'Enterprise Admins' });
    expect(privileged(history(498), [], new Map())).toEqual({
      reason: 'privileged_group',
      what: 'Enterprise Read-only Domain Controllers',
    });
    expect(privileged(history(1234), [], new Map())).toBeUndefined();
  });
});

describe('checkEligible', () => {
  const numbers = { defaultCountry: 'US' as const, allowedCountries: ['US' as const], allowlist: ['+1500555'] };
  const account = (over: Partial<DirectoryAccount> = {}): DirectoryAccount => ({
    id: 'uid=a,dc=x',
    login: 'a',
    displayName: 'A',
    employeeCode: 'E1',
    mobiles: ['+15005550006'],
    disabled: false,
    locked: false,
    ...over,
  });
  const codeOf = (a: DirectoryAccount) => {
    const r = checkEligible({ found: 'one', account: a }, 'E1', numbers);
    return r.ok ? 'ok' : r.error.code;
  };

  it('refuses what cannot be read before trusting anything else the account says', () => {
    expect(codeOf(account({ unreadable: ['userAccountControl'], disabled: false }))).toBe(ErrorCode.AccountUnreadable);
    expect(codeOf(account({ protection: { reason: 'service_account' }, disabled: true }))).toBe(
      ErrorCode.ServiceAccount,
    );
    expect(codeOf(account({ protection: { reason: 'privileged_group', what: 'Domain Admins' }, disabled: true }))).toBe(
      ErrorCode.AccountProtected,
    );
    expect(codeOf(account({ disabled: true, loginBlocked: 'account_expired' }))).toBe(ErrorCode.AccountDisabled);
    expect(codeOf(account({ loginBlocked: 'validity_ended' }))).toBe(ErrorCode.AccountCannotLogIn);
    expect(codeOf(account({ forcedChangeBlocked: 'smartcard_required' }))).toBe(ErrorCode.SmartcardRequired);
    expect(codeOf(account({ forcedChangeBlocked: 'password_never_expires' }))).toBe(ErrorCode.PasswordNeverExpires);
    expect(codeOf(account())).toBe('ok');
  });

  it('texts one number: the same number spelled twice is one, two numbers (or one and garbage) are ambiguous', () => {
    expect(codeOf(account({ mobiles: [] }))).toBe(ErrorCode.NoMobileOnRecord);
    expect(codeOf(account({ mobiles: ['  '] }))).toBe(ErrorCode.NoMobileOnRecord);
    expect(codeOf(account({ mobiles: ['+15005550006', '+1 (500) 555-0006', '5005550006'] }))).toBe('ok');
    expect(codeOf(account({ mobiles: ['+15005550006', '+15005550010'] }))).toBe(ErrorCode.MobileAmbiguous);
    expect(codeOf(account({ mobiles: ['+15005550006', 'call reception'] }))).toBe(ErrorCode.MobileAmbiguous);
    const r = checkEligible({ found: 'one', account: account({ mobiles: ['+15005550006', 'n/a'] }) }, 'E1', numbers);
    expect(r.ok ? undefined : toUserMessage(r.error).text).toMatch(/has 2 different values in its mobile number/);
    expect(codeOf(account({ mobiles: ['12'] }))).toBe(ErrorCode.NoMobileOnRecord);
  });
});
