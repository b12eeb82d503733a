import { readFileSync } from 'node:fs';
import { Attribute, Change, Client, Control, type Entry } from 'ldapts';
import {
  LDAP_ADMINS_GROUP,
  LDAP_BASE,
  LDAP_PEOPLE,
  LDAP_READONLY_BOT,
  LDAP_ROOT,
  ldapBotEnv,
  type Slapd,
} from './slapd.js';
import type { BindOutcome, TestDirectory, TestPersonSpec } from './test-directory.js';

/**
 * Test-side access to a real slapd: people added and inspected as the rootdn, binds made as the employee would
 * make them. The bot never uses any of this.
 */

export interface LdapPerson {
  readonly uid: string;
  readonly code: string;
  readonly name?: string;
  readonly email?: string;
  readonly mobile?: string;
  readonly password?: string;
}

class PasswordPolicyControl extends Control {
  error?: number;
  constructor() {
    super('1.3.6.1.4.1.42.2.27.8.5.1');
  }
  // The response value is SEQUENCE { [0] warning?, [1] error ENUMERATED }; only the error matters here.
  override parseControl(reader: { buffer: Buffer }): void {
    const b = reader.buffer;
    const i = b.indexOf(0x81, 2);
    if (i > 0) this.error = b[i + 2];
  }
}

export class LdapPeople implements TestDirectory {
  readonly kind = 'ldap' as const;
  readonly label = 'the LDAP directory';
  readonly protectedWords = /protected group/;
  readonly missingRightWords = 'write on userPassword';
  readonly emailOptional = true;
  readonly emailUnique = false;
  readonly keepsChangeTime = true;
  constructor(readonly slapd: Slapd) {}

  botEnv(over: Record<string, string> = {}): Record<string, string> {
    return ldapBotEnv(this.slapd, over);
  }

  unprivilegedBotEnv(): Record<string, string> {
    return ldapBotEnv(this.slapd, {
      LDAP_BIND_DN: LDAP_READONLY_BOT.dn,
      LDAP_BIND_PASSWORD: LDAP_READONLY_BOT.password,
    });
  }

  async protect(dn: string): Promise<void> {
    await this.addToGroup(LDAP_ADMINS_GROUP, dn);
  }

  private async asRoot<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    const c = new Client({ url: this.slapd.url });
    try {
      await c.bind(LDAP_ROOT.dn, LDAP_ROOT.password);
      return await fn(c);
    } finally {
      await c.unbind();
    }
  }

  dnOf(uid: string): string {
    return `uid=${uid},${LDAP_PEOPLE}`;
  }

  async add(p: LdapPerson | TestPersonSpec): Promise<string> {
    const uid = 'uid' in p ? p.uid : p.login;
    const dn = this.dnOf(uid);
    const name = p.name ?? `Test ${uid}`;
    await this.asRoot((c) =>
      c.add(dn, {
        objectClass: ['inetOrgPerson'],
        uid,
        cn: name,
        sn: name.split(' ').at(-1) ?? name,
        displayName: name,
        employeeNumber: p.code,
        ...(p.email ? { mail: p.email } : {}),
        ...(p.mobile ? { mobile: p.mobile } : {}),
        userPassword: p.password ?? `${uid}-Old-Pass-1`,
      }),
    );
    return dn;
  }

  async addToGroup(groupDn: string, memberDn: string): Promise<void> {
    await this.asRoot((c) =>
      c.modify(
        groupDn,
        new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [memberDn] }) }),
      ),
    );
  }

  async addEntry(dn: string, attributes: Record<string, string | string[]>): Promise<void> {
    await this.asRoot((c) => c.add(dn, attributes));
  }

  async deleteEntry(dn: string): Promise<void> {
    await this.asRoot((c) => c.del(dn));
  }

  async replace(dn: string, type: string, ...vals: string[]): Promise<void> {
    await this.asRoot((c) =>
      c.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type, values: vals }) })),
    );
  }

  setMobile(dn: string, mobile: string): Promise<void> {
    return this.replace(dn, 'mobile', mobile);
  }

  async setMobiles(dn: string, mobiles: readonly string[]): Promise<Record<string, string>> {
    await this.replace(dn, 'mobile', ...mobiles);
    return {};
  }

  /** An administrator's lock (ppolicy's permanent value): the account counts as disabled. */
  async disable(dn: string): Promise<void> {
    await this.asRoot((c) =>
      c.modify(
        dn,
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'pwdAccountLockedTime', values: ['000001010000Z'] }),
        }),
      ),
    );
  }

  /** Three wrong passwords: the default policy locks the account until a reset. */
  async lockOut(dn: string): Promise<void> {
    for (let i = 0; i < 3; i++) await this.bind(dn, 'wrong-password');
  }

  async bind(dn: string, password: string): Promise<BindOutcome> {
    const c = new Client({ url: this.slapd.url });
    const policy = new PasswordPolicyControl();
    try {
      await c.bind(dn, password, policy);
      return policy.error === 2 ? 'must_change' : 'ok';
    } catch (err) {
      if ((err as { code?: unknown }).code === 49) return 'invalid';
      throw err;
    } finally {
      await c.unbind();
    }
  }

  /** The employee's own change (RFC 3062 exop with the old password), as a login screen would make it. */
  async changeOwnPassword(dn: string, oldPassword: string, newPassword: string): Promise<void> {
    const { BerWriter } = await import('ldapts');
    const w = new BerWriter();
    w.startSequence();
    w.writeString(oldPassword, 0x81);
    w.writeString(newPassword, 0x82);
    w.endSequence();
    const c = new Client({ url: this.slapd.url });
    try {
      await c.bind(dn, oldPassword);
      await c.exop('1.3.6.1.4.1.4203.1.11.1', w.buffer);
    } finally {
      await c.unbind();
    }
  }

  /** Every attribute of the entry, operational ones included, for before/after comparisons. */
  async snapshot(dn: string): Promise<Entry & Record<string, unknown>> {
    return this.asRoot(async (c) => {
      const { searchEntries } = await c.search(dn, { scope: 'base', attributes: ['*', '+'] });
      const entry = searchEntries[0];
      if (!entry) throw new Error(`no entry ${dn}`);
      return entry;
    });
  }

  async attribute(dn: string, name: string): Promise<string | undefined> {
    const entry = await this.snapshot(dn);
    const v = entry[name];
    return Array.isArray(v) ? (v[0] === undefined ? undefined : String(v[0])) : v === undefined ? undefined : String(v);
  }

  caPem(): string {
    return readFileSync(this.slapd.caFile, 'utf8');
  }
}

export { LDAP_BASE };
