import { sql } from 'kysely';
import type { Config } from './config/index.js';
import type { Logger } from './logger.js';
import type {
  AuditStore,
  ExpiryStore,
  FormRegistry,
  HomeViewers,
  RateLimiter,
  SubmissionLedger,
  VerificationStore,
} from './ports/index.js';
import { createAuditStore } from './store/audit-store.js';
import { describeDatabase, openStore } from './store/database.js';
import { createExpiryStore } from './store/expiry-store.js';
import { createFormRegistry } from './store/form-registry.js';
import { createHomeViewers } from './store/home-viewers.js';
import { createRateLimiter } from './store/rate-limiter.js';
import { createSubmissionLedger } from './store/submission-ledger.js';
import { createVerificationStore } from './store/verification-store.js';

/** Everything the bot keeps: the audit trail, the rate limit counters and the submissions seen. */
export interface Storage {
  readonly engine: string;
  readonly audit: AuditStore;
  readonly limits: RateLimiter;
  readonly submissions: SubmissionLedger;
  readonly forms: FormRegistry;
  /** When each live temporary password expires (TEMP_PASSWORD_TTL). */
  readonly expiries: ExpiryStore;
  /** Verifications of employees before their reset (VERIFY_EMPLOYEE), shared by every replica. */
  readonly verifications: VerificationStore;
  /** Who opened the App Home (any replica republishes it). */
  readonly homeViewers: HomeViewers;
  /** Resolves when the store answers (readiness); rejects with why not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** DATABASE_URL's store, migrated. */
export async function openStorage(config: Config, log?: Logger): Promise<Storage> {
  const database = describeDatabase(config.databaseUrl);
  const store = await openStore(config.databaseUrl, {
    onWarning: (message) => log?.warn({ database }, message),
  });
  // Every use first checks that the SQLite file is still the one opened: if it was deleted or replaced, nothing
  // may be sent (it could not be recorded, and the limits would start again from zero), and the log says why.
  const present = () => {
    try {
      store.assertPresent();
    } catch (err) {
      log?.error({ database, err }, 'the database file is gone: every reset is refused until the bot is restarted');
      throw err;
    }
  };
  return {
    engine: store.engine,
    audit: checkedFirst(createAuditStore(store.db), present),
    limits: checkedFirst(createRateLimiter(store.raw, config.rateLimits), present),
    submissions: checkedFirst(createSubmissionLedger(store.db), present),
    forms: checkedFirst(createFormRegistry(store.db), present),
    expiries: checkedFirst(createExpiryStore(store.db), present),
    verifications: checkedFirst(createVerificationStore(store.db, store.engine), present),
    homeViewers: checkedFirst(createHomeViewers(store.db), present),
    async ping() {
      store.assertPresent();
      await sql`select 1`.execute(store.db);
    },
    close: () => store.close(),
  };
}

/** The same object, with `check` run before each of its methods (a throw becomes the method's rejection). */
function checkedFirst<T extends object>(target: T, check: () => void): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const value = Reflect.get(t, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        check();
        return (value as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
}
