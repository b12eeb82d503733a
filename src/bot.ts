import type { DestinationStream } from 'pino';
import { createCompanyDirectory } from './adapters/directories.js';
import { type Config, directoryEndpoint, parseConfig } from './config/index.js';
import { createLogger, type Logger } from './logger.js';
import type { Directory } from './ports/index.js';
import { type RunningApp, startRuntime } from './runtime.js';
import type { HomeRefresh } from './services/home-refresh.js';
import { openStorage, type Storage } from './storage.js';
import { wire } from './wiring.js';

export type { RunningApp } from './runtime.js';
export { openStorage, type Storage } from './storage.js';

/**
 * The composition root: config → logger → storage → company directory (bound once) → Slack app → every adapter
 * → use cases → listeners → running. Shared by the entry point, the demo, the benchmark and end-to-end tests.
 * The adapters and use cases are built in src/wiring.ts (the reset and the Slack side) and src/wiring-follow-ups.ts
 * (what follows a reset), called from here only.
 */
export async function startBot(
  env: Readonly<Record<string, string | undefined>>,
  options: {
    logDestination?: DestinationStream;
    /** Called with the logger once it exists (the entry point installs its last-resort handlers with it). */
    onLogger?: (log: Logger) => void;
    /** Another storage than DATABASE_URL's (the benchmark's no-store baseline). */
    storage?: (config: Config, log?: Logger) => Promise<Storage>;
  } = {},
): Promise<RunningApp> {
  const config = parseConfig(env);
  const log = createLogger({
    level: config.logLevel,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  options.onLogger?.(log);
  const { profile, entropyBits } = config.password;
  log.info({ passwordProfile: profile.name, entropyBits: Number(entropyBits.toFixed(1)) }, 'password policy');
  const directory = await openDirectory(config, log);
  let store: Storage;
  try {
    store = await (options.storage ?? openStorage)(config, log);
  } catch (err) {
    await directory?.close();
    throw err;
  }
  log.info({ engine: store.engine, rateLimits: config.rateLimits }, 'store ready');
  const closeAll = async () => {
    await store.close();
    await directory?.close();
  };
  let running: RunningApp;
  let home: HomeRefresh | undefined;
  try {
    const parts = wire(config, log, store, directory);
    home = parts.homeRefresh;
    running = await startRuntime(parts);
  } catch (err) {
    await home?.stop();
    await closeAll();
    throw err;
  }
  return {
    port: running.port,
    healthPort: running.healthPort,
    async stop(stopOptions) {
      await running.stop(stopOptions);
      // The last state changes' Home publishes read the store: they finish (or are dropped) before it closes.
      await home?.stop();
      await closeAll();
    },
  };
}

/** Builds and binds the directory once, so that a wrong URL, certificate or bind account stops start-up. */
async function openDirectory(config: Config, log: Logger): Promise<Directory | undefined> {
  if (config.directory.kind === 'none') {
    log.warn(
      'DIRECTORY=none: temporary passwords are texted but not set in any directory; the employee cannot log in with them',
    );
    return undefined;
  }
  const ldap = 'ldap' in config.directory ? config.directory.ldap : undefined;
  if (ldap?.insecure) {
    log.warn(
      { url: ldap.url },
      'LDAP_ALLOW_INSECURE=true: the bind password and temporary passwords cross the network unencrypted',
    );
  }
  const directory = await createCompanyDirectory(config.directory);
  if (!directory) return undefined;
  try {
    await directory.verify();
  } catch (err) {
    await directory.close();
    throw err;
  }
  log.info(
    {
      directory: directory.kind,
      url: directoryEndpoint(config.directory).url,
      ...(ldap ? { baseDn: ldap.baseDn, protectedGroups: ldap.protectedGroups.length } : {}),
      ...('cloud' in config.directory ? { revokeSessions: config.directory.cloud.revokeSessions } : {}),
    },
    'directory bound',
  );
  return directory;
}
