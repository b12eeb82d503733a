import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningApp } from '../../src/bot.js';
import { startBot } from '../../src/bot.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, FAKE_FROM, FakeTwilio } from '../fakes/fake-twilio.js';
import { sleep } from '../fakes/http-util.js';
import { httpTransport, SlackDriver, socketTransport } from '../fakes/slack-driver.js';

export const ADMIN = 'U0ADMIN01';
export const OTHER_ADMIN = 'W0ADMIN02';
export const NON_ADMIN = 'U0NOTADMN';
export const ADMIN_GROUP = 'S0ADMINS1';
export const SIGNING_SECRET = 'test-signing-secret-8f742231b10e8888';
export const BOT_TOKEN = 'xoxb-1111-2222-test-bot-token';
export const APP_TOKEN = 'xapp-1-A0RESETPW-3333-test-app-token';

/** Collects every JSON line the app logs (pino writes synchronously to this). */
export class LogCapture {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  get text(): string {
    return this.lines.join('');
  }
  entries(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export interface HarnessOptions {
  readonly mode?: 'http' | 'socket';
  readonly env?: Record<string, string | undefined>;
  /** Called with the fakes before the bot starts (e.g. to inject latency or faults into auth.test). */
  readonly before?: (fakes: { slack: FakeSlack; twilio: FakeTwilio }) => void;
  /** Another harness's fakes, for a second replica; they are then left running by `stop`. */
  readonly fakes?: { slack: FakeSlack; twilio: FakeTwilio };
}

export interface Harness {
  readonly slack: FakeSlack;
  readonly twilio: FakeTwilio;
  readonly logs: LogCapture;
  readonly bot: RunningApp;
  readonly driver: SlackDriver;
  readonly env: Record<string, string | undefined>;
  readonly appUrl: string | undefined;
  stop(): Promise<void>;
}

/** The Slack and Twilio variables the configuration requires, for code that only needs the parsed directory config. */
export const OFFLINE_ENV: Readonly<Record<string, string>> = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-offline',
  SLACK_APP_TOKEN: 'xapp-1-A1-2-offline',
  SLACK_ADMIN_GROUP_ID: ADMIN_GROUP,
  TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'offline',
  TWILIO_FROM_NUMBER: '+15005550006',
};

export function testEnv(slack: FakeSlack, twilio: FakeTwilio, mode: 'http' | 'socket') {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_MODE: mode,
    SLACK_APP_TOKEN: APP_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    PORT: '0',
    SLACK_ADMIN_GROUP_ID: ADMIN_GROUP,
    SLACK_API_URL: slack.apiUrl,
    TWILIO_ACCOUNT_SID: FAKE_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN,
    TWILIO_FROM_NUMBER: FAKE_FROM,
    TWILIO_API_URL: twilio.url,
    TWILIO_TIMEOUT_MS: '1000',
    // Twilio's magic test numbers (+1 500 555 …) are not mobile numbers; the tests allow them explicitly.
    SMS_NUMBER_ALLOWLIST: '+1500555',
    LOG_LEVEL: 'debug',
    // Delivery follow-ups would add private messages to every flow; tests that want them poll fast.
    SMS_STATUS_POLL_MS: '60000',
    // Verifying the employee adds a step to every directory flow; the verification suites turn it on.
    VERIFY_EMPLOYEE: 'off',
    DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'resetpw-harness-')), 'resetpw.sqlite')}`,
  } as Record<string, string | undefined>;
}

/** Fake Slack + fake Twilio on loopback, and the real bot (composition root included) pointed at them. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const mode = options.mode ?? 'http';
  const ownFakes = !options.fakes;
  const slack = options.fakes?.slack ?? (await new FakeSlack().start());
  const twilio = options.fakes?.twilio ?? (await new FakeTwilio().start());
  if (ownFakes) slack.setGroup(ADMIN_GROUP, [ADMIN, OTHER_ADMIN]);
  options.before?.({ slack, twilio });
  const logs = new LogCapture();
  const env = { ...testEnv(slack, twilio, mode), ...options.env };
  const bot = await startBot(env, { logDestination: logs });
  const appUrl = bot.port !== undefined ? `http://127.0.0.1:${bot.port}` : undefined;
  const transport = appUrl ? httpTransport(appUrl, SIGNING_SECRET) : socketTransport(slack);
  if (mode === 'socket') await waitFor(() => slack.socketCount > 0, 5000, 'socket mode connection');
  return {
    slack,
    twilio,
    logs,
    bot,
    env,
    appUrl,
    driver: new SlackDriver(slack, transport),
    async stop() {
      await bot.stop({ drainMs: 5000 });
      if (ownFakes) await Promise.all([slack.stop(), twilio.stop()]);
    },
  };
}

/** Starts the real bot and stops it again: 'started', or the start-up error's message (what an operator reads). */
export function startOutcome(env: Record<string, string | undefined>): Promise<string> {
  return startBot(env, { logDestination: new LogCapture() }).then(
    async (bot) => {
      await bot.stop();
      return 'started';
    },
    (err: Error) => err.message,
  );
}

export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
