import type { FakeEntra } from '../fakes/fake-entra.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT } from '../fakes/fake-entra.js';
import type { BindOutcome, TestDirectory, TestPersonSpec } from './test-directory.js';

/** An app registration that may read users but not reset passwords. */
const READ_ONLY_APP = 'eeeeeeee-0000-4000-8000-000000000001';
const READ_ONLY_SECRET = 'read~only~secret~0123456789';

/** The directory suites' people in the local Entra tenant; a person's "DN" is the user's object id. */
export class EntraPeople implements TestDirectory {
  readonly kind = 'entra';
  readonly label = 'Microsoft Entra ID';
  readonly protectedWords = /holds an administrator role in Microsoft Entra ID \(Helpdesk Administrator/;
  readonly missingRightWords = 'User-PasswordProfile.ReadWrite.All';
  readonly emailOptional = true;
  readonly emailUnique = false;
  readonly keepsChangeTime = true;

  constructor(readonly entra: FakeEntra) {
    entra.apps.set(READ_ONLY_APP, { secret: READ_ONLY_SECRET, denied: new Set(['password', 'revoke']) });
  }

  botEnv(over: Record<string, string> = {}): Record<string, string> {
    return {
      DIRECTORY: 'entra',
      ENTRA_TENANT_ID: FAKE_TENANT,
      ENTRA_CLIENT_ID: FAKE_CLIENT_ID,
      ENTRA_CLIENT_SECRET: FAKE_CLIENT_SECRET,
      ENTRA_AUTHORITY_HOST: this.entra.url,
      ENTRA_GRAPH_URL: this.entra.url,
      ...over,
    };
  }

  unprivilegedBotEnv(): Record<string, string> {
    return this.botEnv({ ENTRA_CLIENT_ID: READ_ONLY_APP, ENTRA_CLIENT_SECRET: READ_ONLY_SECRET });
  }

  async add(person: TestPersonSpec): Promise<string> {
    return this.entra.addUser({
      upn: person.login,
      displayName: person.name ?? person.login,
      employeeId: person.code,
      ...(person.email ? { mail: person.email } : {}),
      ...(person.mobile ? { mobilePhone: person.mobile } : {}),
      password: person.password,
    });
  }

  async lockOut(): Promise<void> {
    throw new Error("Entra's smart lockout is not visible through Graph");
  }

  async disable(id: string): Promise<void> {
    this.entra.update(id, { accountEnabled: false });
  }

  async protect(id: string): Promise<void> {
    this.entra.update(id, { roles: ['Helpdesk Administrator'] });
  }

  async bind(id: string, password: string): Promise<BindOutcome> {
    return this.entra.signIn(id, password);
  }

  async changeOwnPassword(id: string, _oldPassword: string, newPassword: string): Promise<void> {
    this.entra.changeOwnPassword(id, newPassword);
  }

  async setMobile(id: string, mobile: string): Promise<void> {
    this.entra.update(id, { mobilePhone: mobile });
  }

  async setMobiles(): Promise<Record<string, string>> {
    throw new Error('Entra holds one mobilePhone per user');
  }

  async snapshot(id: string): Promise<Record<string, unknown>> {
    return structuredClone({ ...this.entra.user(id) }) as Record<string, unknown>;
  }
}
