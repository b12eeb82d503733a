import { FAKE_OKTA_TOKEN, type FakeOkta } from '../fakes/fake-okta.js';
import type { BindOutcome, TestDirectory, TestPersonSpec } from './test-directory.js';

/** The directory suites' people in the local Okta (test/fakes/fake-okta.ts); a person's "DN" is the Okta user id. */
export class OktaPeople implements TestDirectory {
  readonly kind = 'okta';
  readonly label = 'Okta';
  readonly protectedWords = /holds an administrator role in Okta \(Help Desk Administrator/;
  readonly missingRightWords = 'a role over these users that can reset passwords';
  readonly emailOptional = false;
  readonly emailUnique = false;
  readonly keepsChangeTime = true;

  constructor(readonly okta: FakeOkta) {
    okta.tokens.set(READ_ONLY_TOKEN, new Set(['set', 'expire', 'unlock', 'sessions']));
  }

  botEnv(over: Record<string, string> = {}): Record<string, string> {
    return { DIRECTORY: 'okta', OKTA_ORG_URL: this.okta.url, OKTA_API_TOKEN: FAKE_OKTA_TOKEN, ...over };
  }

  unprivilegedBotEnv(): Record<string, string> {
    return this.botEnv({ OKTA_API_TOKEN: READ_ONLY_TOKEN });
  }

  async add(person: TestPersonSpec): Promise<string> {
    const [first = person.login, ...rest] = (person.name ?? person.login).split(' ');
    return this.okta.addUser({
      login: person.login,
      ...(person.email ? { email: person.email } : {}),
      employeeNumber: person.code,
      firstName: first,
      lastName: rest.join(' '),
      ...(person.name ? { displayName: person.name } : {}),
      ...(person.mobile ? { mobilePhone: person.mobile } : {}),
      password: person.password,
    });
  }

  async lockOut(id: string): Promise<void> {
    this.okta.update(id, { status: 'LOCKED_OUT' });
  }

  async disable(id: string): Promise<void> {
    this.okta.update(id, { status: 'SUSPENDED' });
  }

  async protect(id: string): Promise<void> {
    this.okta.update(id, {
      roles: [{ label: 'Help Desk Administrator', type: 'HELP_DESK_ADMIN', assignmentType: 'GROUP' }],
    });
  }

  async bind(id: string, password: string): Promise<BindOutcome> {
    return this.okta.signIn(id, password);
  }

  async changeOwnPassword(id: string, _oldPassword: string, newPassword: string): Promise<void> {
    this.okta.changeOwnPassword(id, newPassword);
  }

  async setMobile(id: string, mobile: string): Promise<void> {
    this.okta.update(id, { mobilePhone: mobile });
  }

  async setMobiles(): Promise<Record<string, string>> {
    throw new Error('Okta holds one mobilePhone per user');
  }

  async snapshot(id: string): Promise<Record<string, unknown>> {
    return structuredClone({ ...this.okta.user(id) }) as Record<string, unknown>;
  }
}

/** A token whose administrator may read users but not reset, expire, unlock or sign out. */
const READ_ONLY_TOKEN = '00readOnlyOktaToken0123456789abcdefABCD';
