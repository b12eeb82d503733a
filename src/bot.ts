import type { DestinationStream } from 'pino';
import { createResponseUrlNotifier } from './adapters/response-url.js';
import { createTwilioSmsSender, maxSendDurationMs } from './adapters/twilio-sms.js';
import { createApp, type RunningApp } from './app.js';
import { type Config, parseConfig } from './config/index.js';
import { createPasswordGenerator } from './domain/password.js';
import { createLogger } from './logger.js';
import type { AuditStore, RateLimiter, SubmissionLedger } from './ports/index.js';
import { createAuditStore } from './store/audit-store.js';
import { openStore } from './store/database.js';
import { createRateLimiter } from './store/rate-limiter.js';
import { createSubmissionLedger } from './store/submission-ledger.js';

/** Everything the bot keeps: the audit trail, the rate limit counters and the submissions seen. */
export interface Storage {
  readonly engine: string;
  readonly audit: AuditStore;
  readonly limits: RateLimiter;
  readonly submissions: SubmissionLedger;
  close(): Promise<void>;
}

/** DATABASE_URL's store, migrated. */
export async function openStorage(config: Config): Promise<Storage> {
  const store = await openStore(config.databaseUrl);
  return {
    engine: store.engine,
    audit: createAuditStore(store.db),
    limits: createRateLimiter(store.raw, config.rateLimits),
    submissions: createSubmissionLedger(store.db),
    close: () => store.close(),
  };
}

/** Config → logger → adapters → app → running. Shared by the entry point, the demo and end-to-end tests. */
export async function startBot(
  env: Readonly<Record<string, string | undefined>>,
  options: {
    logDestination?: DestinationStream;
    /** Another storage than DATABASE_URL's (the benchmark's no-store baseline). */
    storage?: (config: Config) => Promise<Storage>;
  } = {},
): Promise<RunningApp> {
  const config = parseConfig(env);
  const log = createLogger({
    level: config.logLevel,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const { profile, entropyBits } = config.password;
  log.info({ passwordProfile: profile.name, entropyBits: Number(entropyBits.toFixed(1)) }, 'password policy');
  const store = await (options.storage ?? openStorage)(config);
  log.info({ engine: store.engine, rateLimits: config.rateLimits }, 'store ready');
  const { start } = createApp({
    config,
    log,
    sms: createTwilioSmsSender(config.twilio, config.sms.validitySeconds),
    passwords: createPasswordGenerator(profile),
    notifier: createResponseUrlNotifier(),
    audit: store.audit,
    limits: store.limits,
    submissions: store.submissions,
    // A little slack past the slowest possible send before a `sending` row is declared interrupted.
    interruptedAfterMs: maxSendDurationMs(config.twilio.timeoutMs) + 1000,
  });
  let running: RunningApp;
  try {
    running = await start();
  } catch (err) {
    await store.close();
    throw err;
  }
  return {
    port: running.port,
    async stop(options) {
      await running.stop(options);
      await store.close();
    },
  };
}
