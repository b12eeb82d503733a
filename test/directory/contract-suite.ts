import { afterEach, expect, it } from 'vitest';
import { createCompanyDirectory } from '../../src/adapters/directories.js';
import { parseConfig } from '../../src/config/index.js';
import { AppError, ErrorCode } from '../../src/errors.js';
import type { Directory, DirectoryAccount } from '../../src/ports/index.js';
import { OFFLINE_ENV } from '../helpers/harness.js';
import type { TestDirectory } from '../helpers/test-directory.js';

/**
 * The `Directory` port's contract, the same for every adapter: LDAP and AD against their real servers, the cloud
 * directories against their local servers. The adapter is built the way the bot builds it (DIRECTORY and its
 * variables through the config schema); what it did is checked through the server (the employee's sign-in).
 */
export function directoryContractSuite(directory: () => TestDirectory) {
  const opened: Directory[] = [];
  afterEach(async () => {
    for (const d of opened.splice(0)) await d.close();
  });
  let seq = 0;
  const adapter = async (): Promise<Directory> => {
    const config = parseConfig({ ...OFFLINE_ENV, ...directory().botEnv() });
    const d = await createCompanyDirectory(config.directory);
    if (!d) throw new Error('no directory configured');
    opened.push(d);
    return d;
  };
  const person = async (extra: { email?: string } = {}) => {
    const n = ++seq;
    const login = `ctr${n}${Math.random().toString(36).slice(2, 6)}`;
    const code = `C-${Date.now().toString(36).slice(-5)}${n}`;
    const password = `Contract-Old-${n}-Pass!`;
    const dn = await directory().add({
      login,
      code,
      name: `Casey Contract${n}`,
      password,
      mobile: '+15005550006',
      ...extra,
    });
    return { dn, login, code, password };
  };
  const one = async (d: Directory, code: string): Promise<DirectoryAccount> => {
    const found = await d.findByEmployeeCode(code);
    if (found.found !== 'one') throw new Error(`expected one account for ${code}, got ${found.found}`);
    return found.account;
  };

  it('contract: finds one account by its code, with its number, and says none or many otherwise', async () => {
    const d = await adapter();
    await d.verify();
    const p = await person();
    const account = await one(d, p.code);
    expect(account).toMatchObject({ id: p.dn, employeeCode: p.code, disabled: false, locked: false });
    expect(account.mobiles.map((m) => m.replace(/[^\d+]/g, ''))).toEqual(['+15005550006']);
    expect(account.protection).toBeUndefined();
    expect(await d.findByEmployeeCode(`${p.code}X`)).toEqual({ found: 'none' });
    await directory().add({ login: `${p.login}b`, code: p.code, password: 'Twin-Pass-1x!Aa', mobile: '+15005550006' });
    expect(await d.findByEmployeeCode(p.code)).toMatchObject({ found: 'many' });
  });

  it('contract: reads the email on record as the directory holds it, and none where there is none', async () => {
    const d = await adapter();
    const mailed = await person({ email: `Casey.Mail${seq + 1}@Example.com` });
    expect((await one(d, mailed.code)).email).toBe(`Casey.Mail${seq}@Example.com`);
    const plain = await person();
    // Okta's profile and Google's sign-in always hold one: there the test helpers give the login.
    expect((await one(d, plain.code)).email).toBe(directory().emailOptional ? undefined : plain.login);
  });

  it('contract: finds the same account by its email, exactly but without regard to case, and none otherwise', async () => {
    const d = await adapter();
    const email = `Casey.Found${seq + 1}@Example.com`;
    const p = await person({ email });
    const byCode = await d.findByEmployeeCode(p.code);
    expect(byCode.found).toBe('one');
    expect(await d.findByEmail(email)).toEqual(byCode);
    expect(await d.findByEmail(` ${email.toUpperCase()} `)).toEqual(byCode);
    expect(await d.findByEmail(email.toLowerCase())).toEqual(byCode);
    // Near misses: a prefix, a longer address, another domain.
    for (const near of [email.replace('@', 'x@'), `x${email}`, email.slice(0, -1), `${email}.org`]) {
      expect(await d.findByEmail(near), near).toEqual({ found: 'none' });
    }
    // The same path as by code: protection and state come with the account.
    await directory().protect(p.dn);
    const guarded = await d.findByEmail(email);
    expect(guarded.found === 'one' && guarded.account.protection).toBeTruthy();
  });

  it('contract: finds an address with a quote, a plus and an ampersand in it, as written', async () => {
    const d = await adapter();
    const email = `O'Neil+Tag&${seq + 1}@Example.com`;
    const p = await person({ email });
    const found = await d.findByEmail(email.toLowerCase());
    expect(found.found === 'one' && found.account.id).toBe(p.dn);
  });

  it('contract: says many when accounts share an email, where the directory allows that', async () => {
    const d = await adapter();
    const email = `shared.${seq + 1}@example.com`;
    await person({ email });
    if (directory().emailUnique) {
      // Google: a primary address is one user's; the lookup still finds exactly that one.
      expect(await d.findByEmail(email)).toMatchObject({ found: 'one' });
      return;
    }
    await person({ email: email.toUpperCase() });
    expect(await d.findByEmail(email)).toEqual({ found: 'many', count: 2 });
  });

  it('contract: looks hostile addresses up literally (no query injection), and refuses what is not an address', async () => {
    const d = await adapter();
    await person({ email: `victim${seq + 1}@example.com` });
    await person({ email: `other${seq + 1}@example.com` });
    const hostile = [
      '*@example.com',
      '*)(|(mail=*@example.com',
      'x@example.com)(mail=*',
      '\\2a@example.com',
      "a' or '1'='1@x",
      "x@example.com' or mail ne 'x",
      'x@example.com" or profile.email co "@',
      "victim@example.com' email:'",
      'v*@example.com',
      'a/../b?c#d@example.com',
      'x@example.com&$top=999&c=d',
      'x+y@example.com%27%20or%20%271%27',
    ];
    for (const email of hostile) expect(await d.findByEmail(email), email).toEqual({ found: 'none' });
    for (const email of ['*)(uid=*', '', 'no-at-sign', '@example.com', 'x@', `${'a'.repeat(250)}@x.io`, 'a@b\n.com']) {
      const err = await d.findByEmail(email).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(email)).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe(ErrorCode.InvalidEmail);
    }
  });

  it('contract: reports a protected account and a disabled one as such', async () => {
    const d = await adapter();
    const guarded = await person();
    await directory().protect(guarded.dn);
    expect((await one(d, guarded.code)).protection).toBeDefined();
    const off = await person();
    await directory().disable(off.dn);
    expect((await one(d, off.code)).disabled).toBe(true);
  });

  it('contract: sets a password that must be changed at sign-in, and sees the employee’s own change after', async () => {
    const d = await adapter();
    const p = await person();
    const receipt = await d.setTemporaryPassword(await one(d, p.code), 'Contract-Temp-4242!', {
      validUntil: new Date(Date.now() + 3_600_000),
    });
    // Only OpenLDAP (ppolicy's pwdEndTime) keeps a native end of validity; the others ignore the option.
    const native = directory().kind === 'ldap';
    expect(receipt.validUntil !== undefined).toBe(native);
    expect(d.clearValidUntil !== undefined).toBe(native);
    expect(await directory().bind(p.dn, 'Contract-Temp-4242!')).toBe('must_change');
    expect(await directory().bind(p.dn, p.password)).toBe('invalid');
    const marker = await receipt.marker;
    expect(await d.passwordChangedSince(p.dn, marker)).toEqual({ changed: false });
    const changedAt = Date.now();
    await directory().changeOwnPassword(p.dn, 'Contract-Temp-4242!', 'Contract-Own-Choice-77!');
    const change = await d.passwordChangedSince(p.dn, marker);
    if (receipt.validUntil) {
      // The end of validity outlives the employee's change: removed once the change is seen, their password stays.
      await d.clearValidUntil?.(p.dn, receipt.validUntil);
      expect(await directory().bind(p.dn, 'Contract-Own-Choice-77!')).toBe('ok');
    }
    if (!directory().keepsChangeTime) {
      expect(change).toEqual({ changed: true });
      return;
    }
    // The directory's own time of the change: the employee's, not the bot's set, give or take clocks and rounding.
    expect(change).toEqual({ changed: true, at: expect.any(Date) });
    const at = change.changed ? (change.at?.getTime() ?? Number.NaN) : Number.NaN;
    expect(Math.abs(at - changedAt)).toBeLessThan(60_000);
  });

  it('contract: a scramble leaves neither the old nor the temporary password working', async () => {
    const d = await adapter();
    const p = await person();
    await d.setTemporaryPassword(await one(d, p.code), 'Contract-Temp-5353!');
    await d.scramble(p.dn);
    expect(await directory().bind(p.dn, 'Contract-Temp-5353!')).toBe('invalid');
    expect(await directory().bind(p.dn, p.password)).toBe('invalid');
  });
}
