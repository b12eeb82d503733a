import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLdapDirectory } from '../../src/adapters/ldap/directory.js';
import { formatGeneralizedTime } from '../../src/adapters/ldap/generalized-time.js';
import { parseConfig } from '../../src/config/index.js';
import type { Directory, DirectoryAccount } from '../../src/ports/index.js';
import { OFFLINE_ENV } from '../helpers/harness.js';
import { LdapPeople } from '../helpers/ldap-people.js';
import { requireSlapd, type Slapd, startSlapd } from '../helpers/slapd.js';

/**
 * ppolicy's own end of validity (pwdEndTime) on a real slapd: written with the temporary password, enforced by the
 * server whether or not the bot runs, never laid over an end date the account already has, and removed value by
 * value. Times are a few seconds ahead; the tests wait past them, and assert nothing about how long anything took.
 */
describe.runIf(requireSlapd())('OpenLDAP: the temporary password’s native end of validity', () => {
  let slapd: Slapd;
  let people: LdapPeople;
  let directory: Directory;
  let n = 0;
  beforeAll(async () => {
    slapd = await startSlapd();
    people = new LdapPeople(slapd);
    const config = parseConfig({ ...OFFLINE_ENV, ...people.botEnv() }).directory;
    if (config.kind !== 'ldap') throw new Error('expected DIRECTORY=ldap');
    directory = createLdapDirectory('ldap', config.ldap);
  });
  afterAll(async () => {
    await directory?.close();
    await slapd?.stop();
  });

  const person = async () => {
    const i = ++n;
    const dn = await people.add({
      uid: `valid${i}`,
      code: `V-${i}`,
      mobile: '+15005550006',
      password: `Old-Pass-${i}!`,
    });
    const found = await directory.findByEmployeeCode(`V-${i}`);
    if (found.found !== 'one') throw new Error(`expected one account for V-${i}`);
    return { dn, account: found.account as DirectoryAccount };
  };
  /** Waits until the server's clock (this machine's) is past a GeneralizedTime written to the second. */
  const waitPast = async (value: string) => {
    const end = Date.parse(value.replace(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    while (Date.now() <= end + 1000) await new Promise((r) => setTimeout(r, 200));
  };
  const soon = () => new Date(Date.now() + 3000);

  it('writes pwdEndTime with the password: the password binds before it, and not after', async () => {
    const { dn, account } = await person();
    const validUntil = soon();
    const receipt = await directory.setTemporaryPassword(account, 'Temp-Valid-4242!', { validUntil });
    expect(receipt.validUntil).toBe(formatGeneralizedTime(validUntil));
    expect(await people.attribute(dn, 'pwdEndTime')).toBe(receipt.validUntil);
    expect(await people.attribute(dn, 'pwdReset')).toBe('TRUE');
    expect(await people.bind(dn, 'Temp-Valid-4242!')).toBe('must_change');
    await waitPast(String(receipt.validUntil));
    expect(await people.bind(dn, 'Temp-Valid-4242!')).toBe('invalid');
  });

  it('leaves an end date the account already has, and says it set none', async () => {
    const { dn, account } = await person();
    const owners = formatGeneralizedTime(new Date(Date.now() + 30 * 86_400_000));
    await people.replace(dn, 'pwdEndTime', owners);
    const receipt = await directory.setTemporaryPassword(account, 'Temp-Owner-4242!', { validUntil: soon() });
    expect(receipt.validUntil).toBeUndefined();
    expect(await people.attribute(dn, 'pwdEndTime')).toBe(owners);
    // The password was still set, with the forced change.
    expect(await people.bind(dn, 'Temp-Owner-4242!')).toBe('must_change');
  });

  it('clears exactly its own value: a value someone else wrote since stays, and an absent one is done', async () => {
    const { dn, account } = await person();
    const receipt = await directory.setTemporaryPassword(account, 'Temp-Clear-4242!', {
      validUntil: new Date(Date.now() + 3_600_000),
    });
    const ours = String(receipt.validUntil);
    await directory.clearValidUntil?.(dn, ours);
    expect(await people.attribute(dn, 'pwdEndTime')).toBeUndefined();
    await expect(directory.clearValidUntil?.(dn, ours)).resolves.toBeUndefined();
    const theirs = formatGeneralizedTime(new Date(Date.now() + 7_200_000));
    await people.replace(dn, 'pwdEndTime', theirs);
    await directory.clearValidUntil?.(dn, ours);
    expect(await people.attribute(dn, 'pwdEndTime')).toBe(theirs);
  });

  it('outlives the employee’s own change and then blocks the new password too, until it is cleared', async () => {
    const { dn, account } = await person();
    const receipt = await directory.setTemporaryPassword(account, 'Temp-Own-4242!', { validUntil: soon() });
    const marker = await receipt.marker;
    await people.changeOwnPassword(dn, 'Temp-Own-4242!', 'Own-Choice-Valid-9');
    expect((await directory.passwordChangedSince(dn, marker)).changed).toBe(true);
    expect(await people.attribute(dn, 'pwdEndTime')).toBe(receipt.validUntil);
    await waitPast(String(receipt.validUntil));
    expect(await people.bind(dn, 'Own-Choice-Valid-9')).toBe('invalid');
    // A passed end date also refuses the account at the next lookup, so a new reset could not help either.
    const found = await directory.findByEmployeeCode(account.employeeCode);
    expect(found.found === 'one' && found.account.loginBlocked).toBe('validity_ended');
    await directory.clearValidUntil?.(dn, String(receipt.validUntil));
    expect(await people.bind(dn, 'Own-Choice-Valid-9')).toBe('ok');
  });
});
