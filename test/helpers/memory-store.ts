import type { AuditStore, RateLimiter, RateLimitMaxima, SubmissionLedger } from '../../src/ports/index.js';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createRateLimiter } from '../../src/store/rate-limiter.js';
import { createSubmissionLedger } from '../../src/store/submission-ledger.js';

export const DEFAULT_LIMITS: RateLimitMaxima = {
  employee_10m: 1,
  employee_day: 3,
  phone_day: 3,
  admin_hour: 10,
  workspace_day: 100,
};

/** The real store on an in-memory SQLite database: use-case tests get the real semantics without files. */
export async function memoryStore(limits: RateLimitMaxima = DEFAULT_LIMITS) {
  const store = await openStore('sqlite::memory:');
  return {
    store,
    audit: createAuditStore(store.db),
    limits: createRateLimiter(store.raw, limits),
    submissions: createSubmissionLedger(store.db),
  };
}

/** The same store, with one operation made to fail as if the database had gone away. */
export function failing<T extends AuditStore | RateLimiter | SubmissionLedger>(target: T, method: keyof T & string): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (prop === method) return async () => Promise.reject(new Error('database is down'));
      return Reflect.get(t, prop, receiver);
    },
  });
}

export type MemoryStore = Awaited<ReturnType<typeof memoryStore>> & { store: Store };
