import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, type MigrationLockOptions, PostgresDialect, SqliteAdapter, SqliteDialect } from 'kysely';
import pg from 'pg';
import { type Engine, migrate } from './migrations.js';
import type { Schema } from './schema.js';
import { parseDatabaseUrl } from './url.js';

export { DEFAULT_DATABASE_URL, parseDatabaseUrl } from './url.js';

export type RawClient = { engine: 'sqlite'; sqlite: Database.Database } | { engine: 'postgres'; pool: pg.Pool };

export interface Store {
  readonly engine: Engine;
  readonly db: Kysely<Schema>;
  /** The driver's own handle, for libraries that need it (the rate limiter). */
  readonly raw: RawClient;
  close(): Promise<void>;
}

/**
 * Kysely's SQLite adapter takes no migration lock: it assumes one process. Here the lock row is a compare-and-set
 * mutex, so a second process starting at the same moment waits, then finds the migrations applied. A lock left
 * by a process that died while migrating is taken over after LOCK_STEAL_MS.
 */
const LOCK_STEAL_MS = 30_000;
class LockingSqliteAdapter extends SqliteAdapter {
  // biome-ignore lint/suspicious/noExplicitAny: the signature Kysely's adapter interface declares
  override async acquireMigrationLock(db: Kysely<any>, opt: MigrationLockOptions): Promise<void> {
    const deadline = Date.now() + LOCK_STEAL_MS;
    while (Date.now() < deadline) {
      const res = await db
        .updateTable(opt.lockTable)
        .set({ is_locked: 1 })
        .where('id', '=', opt.lockRowId)
        .where('is_locked', '=', 0)
        .executeTakeFirst();
      if (res.numUpdatedRows === 1n) return;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  // biome-ignore lint/suspicious/noExplicitAny: the signature Kysely's adapter interface declares
  override async releaseMigrationLock(db: Kysely<any>, opt: MigrationLockOptions): Promise<void> {
    await db.updateTable(opt.lockTable).set({ is_locked: 0 }).where('id', '=', opt.lockRowId).execute();
  }
}

class LockingSqliteDialect extends SqliteDialect {
  override createAdapter() {
    return new LockingSqliteAdapter();
  }
}

/** Opens (creating if needed) and migrates the store. */
export async function openStore(databaseUrl: string): Promise<Store> {
  const target = parseDatabaseUrl(databaseUrl);
  if (!target) throw new Error('DATABASE_URL must start with sqlite: or postgres://');
  let store: Store;
  if (target.engine === 'sqlite') {
    if (target.path !== ':memory:') mkdirSync(dirname(resolve(target.path)), { recursive: true });
    const sqlite = new Database(target.path);
    // WAL lets the CLI read while the bot writes; busy_timeout rides out a concurrent writer instead of failing.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    const db = new Kysely<Schema>({ dialect: new LockingSqliteDialect({ database: sqlite }) });
    store = { engine: 'sqlite', db, raw: { engine: 'sqlite', sqlite }, close: () => db.destroy() };
  } else {
    const pool = new pg.Pool({ connectionString: target.url, max: 10 });
    const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
    store = { engine: 'postgres', db, raw: { engine: 'postgres', pool }, close: () => db.destroy() };
  }
  try {
    await migrate(store.db as Kysely<unknown>, store.engine);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
