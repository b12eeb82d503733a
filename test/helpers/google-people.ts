import { type FakeGoogle, GOOGLE_ADMIN } from '../fakes/fake-google.js';
import type { BindOutcome, TestDirectory, TestPersonSpec } from './test-directory.js';

/** An admin whose role may read users but not reset them or sign them out. */
const READ_ONLY_ADMIN = 'readonly-admin@example.com';

/** The directory suites' people in the local Google Workspace; a person's "DN" is the user's id. */
export class GooglePeople implements TestDirectory {
  readonly kind = 'google';
  readonly label = 'Google Workspace';
  readonly protectedWords = /holds an administrator role in Google Workspace \(Super Admin/;
  readonly missingRightWords = 'User Management Admin';
  readonly emailOptional = false;
  readonly emailUnique = true;
  readonly keepsChangeTime = false;

  constructor(
    readonly google: FakeGoogle,
    readonly keyFile: string,
  ) {
    google.admins.set(READ_ONLY_ADMIN, new Set(['password', 'signout']));
  }

  botEnv(over: Record<string, string> = {}): Record<string, string> {
    return {
      DIRECTORY: 'google',
      GOOGLE_SERVICE_ACCOUNT_FILE: this.keyFile,
      GOOGLE_ADMIN_SUBJECT: GOOGLE_ADMIN,
      GOOGLE_API_URL: this.google.url,
      GOOGLE_TOKEN_URL: `${this.google.url}/token`,
      ...over,
    };
  }

  unprivilegedBotEnv(): Record<string, string> {
    return this.botEnv({ GOOGLE_ADMIN_SUBJECT: READ_ONLY_ADMIN });
  }

  async add(person: TestPersonSpec): Promise<string> {
    return this.google.addUser({
      email: person.email ?? person.login,
      fullName: person.name ?? person.login,
      externalId: person.code,
      mobiles: person.mobile ? [person.mobile] : [],
      password: person.password,
    });
  }

  async lockOut(): Promise<void> {
    throw new Error('Google Workspace has no lockout a reset lifts');
  }

  async disable(id: string): Promise<void> {
    this.google.update(id, { suspended: true });
  }

  async protect(id: string): Promise<void> {
    this.google.update(id, { isAdmin: true });
  }

  async bind(id: string, password: string): Promise<BindOutcome> {
    return this.google.signIn(id, password);
  }

  async changeOwnPassword(id: string, _oldPassword: string, newPassword: string): Promise<void> {
    this.google.changeOwnPassword(id, newPassword);
  }

  async setMobile(id: string, mobile: string): Promise<void> {
    this.google.update(id, { mobiles: [mobile] });
  }

  async setMobiles(id: string, mobiles: readonly string[]): Promise<Record<string, string>> {
    this.google.update(id, { mobiles: [...mobiles] });
    return {};
  }

  async snapshot(id: string): Promise<Record<string, unknown>> {
    return structuredClone({ ...this.google.user(id) }) as Record<string, unknown>;
  }
}
