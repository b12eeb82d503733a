import type { DestinationStream } from 'pino';
import { createResponseUrlNotifier } from './adapters/response-url.js';
import { createTwilioSmsSender } from './adapters/twilio-sms.js';
import { createApp, type RunningApp } from './app.js';
import { parseConfig } from './config/index.js';
import { createPasswordGenerator } from './domain/password.js';
import { createLogger } from './logger.js';

/** Config → logger → adapters → app → running. Shared by the entry point, the demo and end-to-end tests. */
export async function startBot(
  env: Readonly<Record<string, string | undefined>>,
  options: { logDestination?: DestinationStream } = {},
): Promise<RunningApp> {
  const config = parseConfig(env);
  const log = createLogger({
    level: config.logLevel,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const { profile, entropyBits } = config.password;
  log.info({ passwordProfile: profile.name, entropyBits: Number(entropyBits.toFixed(1)) }, 'password policy');
  const { start } = createApp({
    config,
    log,
    sms: createTwilioSmsSender(config.twilio, config.sms.validitySeconds),
    passwords: createPasswordGenerator(profile),
    notifier: createResponseUrlNotifier(),
  });
  return start();
}
