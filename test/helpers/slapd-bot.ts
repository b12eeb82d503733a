import { afterAll, afterEach, beforeAll } from 'vitest';
import { type Harness, startHarness } from './harness.js';
import { LdapPeople } from './ldap-people.js';
import { ldapBotEnv, type Slapd, startSlapd } from './slapd.js';

export interface SlapdPerson {
  readonly dn: string;
  readonly login: string;
  readonly code: string;
  readonly password: string;
  /** '' when the entry has none. */
  readonly email: string;
}

export interface SlapdBot {
  readonly people: () => LdapPeople;
  /** Starts the bot against the suite's slapd (DIRECTORY=ldap), the suite's env under `env`; stopped after the test. */
  start(env?: Record<string, string>): Promise<Harness>;
  /**
   * A fresh employee in slapd, with a code, login and email no other test of the run has (no email with
   * `email: null`); with `slackUser`, also a Slack user of that email in the harness's fake Slack.
   */
  person(options?: {
    readonly email?: string | null;
    readonly mobile?: string;
    readonly slackUser?: { readonly harness: Harness; readonly id: string; readonly emailAs?: (e: string) => string };
  }): Promise<SlapdPerson>;
}

/**
 * The set-up every suite that drives the real bot against one real slapd repeats: one slapd for the suite, one bot
 * per test (stopped after it), and employees that never collide. Call inside `describe`.
 * `prefix` keeps one suite's logins and codes apart from another's; `name` is the employees' family name.
 */
export function useSlapdBot(suite: {
  readonly prefix: string;
  readonly name: string;
  readonly env?: Record<string, string>;
}): SlapdBot {
  let slapd: Slapd | undefined;
  let people: LdapPeople | undefined;
  let harness: Harness | undefined;
  let n = 0;
  beforeAll(async () => {
    slapd = await startSlapd();
    people = new LdapPeople(slapd);
  });
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });
  afterAll(async () => {
    await slapd?.stop();
  });
  const ready = () => {
    if (!slapd || !people) throw new Error('useSlapdBot: slapd has not started (call it inside describe)');
    return { slapd, people };
  };

  return {
    people: () => ready().people,
    async start(env = {}) {
      const started = await startHarness({ env: ldapBotEnv(ready().slapd, { ...suite.env, ...env }) });
      // A test may stop its bot itself (a shutdown under test); the one after the test then does nothing.
      let stopping: Promise<void> | undefined;
      harness = { ...started, stop: () => (stopping ??= started.stop()) };
      return harness;
    },
    async person(options = {}) {
      const i = ++n;
      const stamp = Date.now().toString(36).slice(-4);
      const login = `${suite.prefix.toLowerCase()}${i}${stamp}`;
      const code = `${suite.prefix.slice(0, 1).toUpperCase()}-${i}${stamp}`;
      const password = `Old-${suite.name}-${i}-xyzzy!`;
      const email = options.email === null ? undefined : (options.email ?? `${login}@example.com`);
      const name = `Pat ${suite.name}${i}`;
      const dn = await ready().people.add({
        login,
        code,
        name,
        password,
        mobile: options.mobile ?? '+1 500 555 0006',
        ...(email ? { email } : {}),
      });
      const slack = options.slackUser;
      if (slack && email) slack.harness.slack.addUser(slack.id, slack.emailAs?.(email) ?? email, { name });
      return { dn, login, code, password, email: email ?? '' };
    },
  };
}
