import { randomBytes } from 'node:crypto';
import { lookupEmail, sameEmail } from '../../src/domain/email.js';
import type { AppError } from '../../src/errors.js';
import type {
  Directory,
  DirectoryAccount,
  DirectoryLookup,
  PasswordChange,
  PasswordSetReceipt,
  SetPasswordOptions,
} from '../../src/ports/index.js';

interface Held {
  account: DirectoryAccount;
  password: string;
  mustChange: boolean;
  changedAt: number;
  /** When the employee last set their own password. */
  ownChangeAt?: Date;
  /** The native end of validity (as OpenLDAP's pwdEndTime), the bot's or its owner's (`setValidUntil`). */
  validUntil?: string;
}

/**
 * An in-memory company directory for the use-case tests: the port's behaviour without a server. The real adapter
 * is only ever tested against real servers (test/directory).
 */
export class FakeDirectory implements Directory {
  readonly kind = 'ldap' as const;
  readonly label = 'the test directory';
  readonly accounts = new Map<string, Held>();
  /** Every write, in order, with the password it set (a fake may keep it: nothing here is real). */
  readonly writes: { op: 'set' | 'scramble'; accountId: string; password: string }[] = [];
  /** Every clearValidUntil call, in order, with the value it named. */
  readonly clears: { accountId: string; value: string }[] = [];
  /** Errors the next calls throw. */
  readonly fail: { find?: AppError; set?: AppError; scramble?: AppError[]; clear?: AppError } = {};
  /** Called at the moment of each write, e.g. to look at the audit row then. */
  onWrite?: (op: 'set' | 'scramble') => Promise<void>;
  private clock = 0;

  add(
    account: Partial<DirectoryAccount> & Pick<DirectoryAccount, 'login' | 'employeeCode'>,
    password = 'Old-1',
  ): DirectoryAccount {
    const full: DirectoryAccount = {
      id: `uid=${account.login},ou=people,dc=test`,
      displayName: `Test ${account.login}`,
      mobiles: ['+14155552671'],
      disabled: false,
      locked: false,
      ...account,
    };
    this.accounts.set(full.id, { account: full, password, mustChange: false, changedAt: 0 });
    return full;
  }

  passwordOf(id: string): string | undefined {
    return this.accounts.get(id)?.password;
  }

  async verify(): Promise<void> {}

  async findByEmployeeCode(code: string): Promise<DirectoryLookup> {
    return this.lookup((account) => account.employeeCode === code);
  }

  async findByEmail(email: string): Promise<DirectoryLookup> {
    const wanted = lookupEmail(email);
    return this.lookup((account) => sameEmail(account.email, wanted));
  }

  private lookup(match: (account: DirectoryAccount) => boolean): DirectoryLookup {
    if (this.fail.find) throw this.fail.find;
    const matches = [...this.accounts.values()].filter((h) => match(h.account));
    if (matches.length === 0) return { found: 'none' };
    if (matches.length > 1) return { found: 'many', count: matches.length };
    return { found: 'one', account: (matches[0] as Held).account };
  }

  async setTemporaryPassword(
    account: DirectoryAccount,
    password: string,
    options: SetPasswordOptions = {},
  ): Promise<PasswordSetReceipt> {
    await this.onWrite?.('set');
    if (this.fail.set) throw this.fail.set;
    const held = this.accounts.get(account.id);
    if (!held) throw new Error(`no account ${account.id}`);
    this.writes.push({ op: 'set', accountId: account.id, password });
    const unlocked = held.account.locked;
    // As on OpenLDAP: the end of validity goes with the set, unless the account already has one.
    // Like the OpenLDAP adapter's assertion: written only over none, or over the bot's own earlier value.
    const free = !held.validUntil || held.validUntil === options.replaces;
    const validUntil = options.validUntil && free ? options.validUntil.toISOString() : undefined;
    Object.assign(held, {
      password,
      mustChange: true,
      changedAt: ++this.clock,
      account: { ...held.account, locked: false },
      ...(validUntil ? { validUntil } : {}),
    });
    return { marker: Promise.resolve(String(held.changedAt)), unlocked, ...(validUntil ? { validUntil } : {}) };
  }

  /** An end of validity written by someone else (the account's owner), or undefined to take it away. */
  setValidUntil(accountId: string, value: string | undefined): void {
    const held = this.accounts.get(accountId);
    if (held) held.validUntil = value;
  }

  validUntilOf(accountId: string): string | undefined {
    return this.accounts.get(accountId)?.validUntil;
  }

  async clearValidUntil(accountId: string, value: string): Promise<void> {
    this.clears.push({ accountId, value });
    if (this.fail.clear) throw this.fail.clear;
    const held = this.accounts.get(accountId);
    if (held?.validUntil === value) held.validUntil = undefined;
  }

  async scramble(accountId: string): Promise<void> {
    await this.onWrite?.('scramble');
    const failure = this.fail.scramble?.shift();
    if (failure) throw failure;
    const held = this.accounts.get(accountId);
    if (!held) throw new Error(`no account ${accountId}`);
    const password = randomBytes(18).toString('base64');
    this.writes.push({ op: 'scramble', accountId, password });
    Object.assign(held, { password, mustChange: true, changedAt: ++this.clock });
  }

  /** The employee sets their own password. */
  changeOwnPassword(accountId: string, password: string): void {
    const held = this.accounts.get(accountId);
    if (held) Object.assign(held, { password, mustChange: false, changedAt: ++this.clock, ownChangeAt: new Date() });
  }

  async passwordChangedSince(accountId: string, marker: string): Promise<PasswordChange> {
    const held = this.accounts.get(accountId);
    if (!held || held.mustChange || held.changedAt <= Number(marker)) return { changed: false };
    return held.ownChangeAt ? { changed: true, at: held.ownChangeAt } : { changed: true };
  }

  async close(): Promise<void> {}
}
