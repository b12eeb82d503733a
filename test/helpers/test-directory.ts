/**
 * What the directory suites need from a real directory server, whichever dialect: people to reset, and ways to
 * see what the bot did to them (binds as the employee, before/after snapshots). Implemented for slapd
 * (test/helpers/ldap-people.ts), Samba AD (test/helpers/samba.ts) and the local Okta (test/helpers/okta-people.ts).
 */
export interface TestPersonSpec {
  readonly login: string;
  readonly code: string;
  readonly name?: string;
  /**
   * The email on record. Without it the account has none where the directory allows that (`emailOptional`); Okta
   * and Google hold one for every account, and the helpers give them the login.
   */
  readonly email?: string;
  readonly mobile?: string;
  readonly password: string;
}

/** What an employee's login attempt says. */
export type BindOutcome = 'ok' | 'must_change' | 'invalid';

export interface TestDirectory {
  readonly kind: 'ldap' | 'ad' | 'okta' | 'entra' | 'google';
  /** How the bot names it to admins. */
  readonly label: string;
  /** What the admin reads about an account `protect` made protected. */
  readonly protectedWords: RegExp;
  /** What the admin is told to grant when the bot's account lacks the right to reset. */
  readonly missingRightWords: string;
  /** Whether an account may have no email (LDAP, AD, Entra); Okta's profile and Google's sign-in always hold one. */
  readonly emailOptional: boolean;
  /** Whether no two accounts can share an email (Google: a primary address is one user's); elsewhere they can. */
  readonly emailUnique: boolean;
  /** Whether the directory keeps the time of a password change (Google keeps none). */
  readonly keepsChangeTime: boolean;
  /** The bot's environment for this server, with the least-privileged bot account. */
  botEnv(over?: Record<string, string>): Record<string, string>;
  /** The same, bound as an account without the right to reset passwords. */
  unprivilegedBotEnv(): Record<string, string>;
  /** Adds a person; returns the DN. */
  add(person: TestPersonSpec): Promise<string>;
  lockOut(dn: string): Promise<void>;
  disable(dn: string): Promise<void>;
  /** Puts the account in the protected group the bot is configured with. */
  protect(dn: string): Promise<void>;
  bind(dn: string, password: string): Promise<BindOutcome>;
  /** The employee's own change at sign-in, from a password they know to one of their choosing. */
  changeOwnPassword(dn: string, oldPassword: string, newPassword: string): Promise<void>;
  /** Replaces the mobile number on record. */
  setMobile(dn: string, mobile: string): Promise<void>;
  /**
   * Puts several numbers on record. AD's `mobile` holds one value, so there they go in `otherMobile`; returns the
   * bot variables that make it read them.
   */
  setMobiles(dn: string, mobiles: readonly string[]): Promise<Record<string, string>>;
  /** Every attribute of the entry (operational ones included), to prove a refusal changed nothing. */
  snapshot(dn: string): Promise<Record<string, unknown>>;
}
