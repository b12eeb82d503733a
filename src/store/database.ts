import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import {
  Kysely,
  type MigrationLockOptions,
  PostgresDialect,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDialect,
} from 'kysely';
import pg from 'pg';
import { type Engine, MIGRATION_NAMES, migrate } from './migrations.js';
import type { Schema } from './schema.js';
import { parseDatabaseUrl } from './url.js';
import { describeWriteProblem } from './write-access.js';

export { DEFAULT_DATABASE_URL, parseDatabaseUrl } from './url.js';

export type RawClient = { engine: 'sqlite'; sqlite: Database.Database } | { engine: 'postgres'; pool: pg.Pool };

export interface Store {
  readonly engine: Engine;
  readonly db: Kysely<Schema>;
  /** The driver's own handle, for libraries that need it (the rate limiter). */
  readonly raw: RawClient;
  /**
   * Throws StoreGoneError when the SQLite file the store opened is no longer at its path (deleted, or replaced by
   * another file): writes would go to an unlinked file and vanish at the next start. PostgreSQL fails on its own.
   */
  assertPresent(): void;
  close(): Promise<void>;
}

export class StoreGoneError extends Error {
  constructor(readonly path: string) {
    super(`the database file ${path} was deleted or replaced while the bot was running`);
    this.name = 'StoreGoneError';
  }
}

/**
 * Kysely's SQLite adapter takes no migration lock: it assumes one process. Here the lock row is a compare-and-set
 * mutex, so a second process starting at the same moment waits, then finds the migrations applied. A lock left
 * by a process that died while migrating is taken over after LOCK_STEAL_MS.
 */
const LOCK_STEAL_MS = 30_000;
class LockingSqliteAdapter extends SqliteAdapter {
  constructor(
    private readonly onSteal: (message: string) => void,
    private readonly stealAfterMs: number,
  ) {
    super();
  }
  // biome-ignore lint/suspicious/noExplicitAny: the signature Kysely's adapter interface declares
  override async acquireMigrationLock(db: Kysely<any>, opt: MigrationLockOptions): Promise<void> {
    const deadline = Date.now() + this.stealAfterMs;
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
    // Never silently: the takeover is said, with what it assumes.
    await db.updateTable(opt.lockTable).set({ is_locked: 1 }).where('id', '=', opt.lockRowId).execute();
    this.onSteal(
      `the migration lock was held for ${this.stealAfterMs / 1000} s; taking it over, assuming the process that held it died while migrating`,
    );
  }
  // biome-ignore lint/suspicious/noExplicitAny: the signature Kysely's adapter interface declares
  override async releaseMigrationLock(db: Kysely<any>, opt: MigrationLockOptions): Promise<void> {
    await db.updateTable(opt.lockTable).set({ is_locked: 0 }).where('id', '=', opt.lockRowId).execute();
  }
}

class LockingSqliteDialect extends SqliteDialect {
  constructor(
    config: ConstructorParameters<typeof SqliteDialect>[0],
    private readonly onSteal: (message: string) => void,
    private readonly stealAfterMs: number,
  ) {
    super(config);
  }
  override createAdapter() {
    return new LockingSqliteAdapter(this.onSteal, this.stealAfterMs);
  }
}

/** PostgreSQL fails on its own when the server goes away: nothing to watch. */
function postgresStore(pool: pg.Pool): Store {
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    engine: 'postgres',
    db,
    raw: { engine: 'postgres', pool },
    assertPresent: () => undefined,
    close: () => db.destroy(),
  };
}

/** The file's identity (device and inode) at open; a later stat that differs means it is gone or replaced. */
function fileWatch(path: string): () => void {
  if (path === ':memory:') return () => undefined;
  const opened = statSync(path);
  return () => {
    let now: ReturnType<typeof statSync> | undefined;
    try {
      now = statSync(path);
    } catch {
      throw new StoreGoneError(path);
    }
    if (now.ino !== opened.ino || now.dev !== opened.dev) throw new StoreGoneError(path);
  };
}

/** Where a DATABASE_URL points, for messages: the path, or host and database without the credentials. */
export function describeDatabase(databaseUrl: string): string {
  const target = parseDatabaseUrl(databaseUrl);
  if (!target) return 'DATABASE_URL';
  if (target.engine === 'sqlite') return target.path;
  try {
    const u = new URL(target.url);
    return `postgres://${u.host}${u.pathname}`;
  } catch {
    return 'the PostgreSQL server';
  }
}

/** Statements kept compiled; the bot's queries are a few dozen texts, so this is only a bound. */
const STATEMENT_CACHE = 500;

/**
 * Kysely prepares every query anew, and better-sqlite3 compiles the SQL text at each prepare: a tenth of a
 * millisecond or so on every query, and a large share of a refusal's or a form's cost under a burst. The values are
 * bound, so the same text comes back again and again: each text is compiled once and its statement reused
 * (better-sqlite3 is synchronous and Kysely runs one query at a time on its connection, and never streams here).
 */
export function compiledOnce(sqlite: Database.Database): SqliteDatabase {
  const statements = new Map<string, Database.Statement>();
  return {
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (statements.size >= STATEMENT_CACHE) statements.delete(statements.keys().next().value as string);
        statements.set(sql, statement);
      }
      return statement;
    },
    close: () => sqlite.close(),
  };
}

/** Opens (creating if needed) and migrates the store. `onWarning` hears what the store decided on its own. */
export async function openStore(
  databaseUrl: string,
  options: { onWarning?: (message: string) => void; lockStealMs?: number } = {},
): Promise<Store> {
  const onWarning = options.onWarning ?? (() => undefined);
  const target = parseDatabaseUrl(databaseUrl);
  if (!target) throw new Error('DATABASE_URL must start with sqlite: or postgres://');
  let store: Store;
  if (target.engine === 'sqlite') {
    let sqlite: Database.Database | undefined;
    try {
      if (target.path !== ':memory:') mkdirSync(dirname(resolve(target.path)), { recursive: true });
      sqlite = new Database(target.path);
      // WAL lets the CLI read while the bot writes; busy_timeout rides out a concurrent writer instead of failing.
      // Setting WAL is the first write: a file the bot may read but not write fails here.
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('busy_timeout = 5000');
      sqlite.pragma('foreign_keys = ON');
    } catch (err) {
      sqlite?.close();
      const why = describeWriteProblem(target.path);
      throw new Error(
        `could not open the database at ${describeDatabase(databaseUrl)} (${(err as { code?: string }).code ?? (err as Error).message}). ` +
          (why
            ? `${why[0]?.toUpperCase()}${why.slice(1)}.`
            : 'The bot needs to create and write it (DATABASE_URL): check the path and its permissions.'),
      );
    }
    const db = new Kysely<Schema>({
      dialect: new LockingSqliteDialect(
        { database: compiledOnce(sqlite) },
        onWarning,
        options.lockStealMs ?? LOCK_STEAL_MS,
      ),
    });
    store = {
      engine: 'sqlite',
      db,
      raw: { engine: 'sqlite', sqlite },
      assertPresent: fileWatch(target.path),
      close: () => db.destroy(),
    };
  } else {
    const pool = new pg.Pool({ connectionString: target.url, max: 10 });
    // An idle connection the server dropped emits 'error' on the pool; unheard, that would stop the process.
    pool.on('error', (err) =>
      onWarning(`lost a PostgreSQL connection (${(err as { code?: string }).code ?? err.message})`),
    );
    store = postgresStore(pool);
  }
  try {
    await migrate(store.db as Kysely<unknown>, store.engine, describeDatabase(databaseUrl));
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/** Opening the store read-only failed; the message says what is wrong with DATABASE_URL, in plain words. */
export class StoreOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreOpenError';
  }
}

/**
 * Opens an existing store for reading only (the audit CLI): never creates, migrates or writes, so it works on a
 * read-only copy of the database, and refuses a database an older version wrote.
 */
export async function openStoreReadOnly(databaseUrl: string, options: { checkSchema?: boolean } = {}): Promise<Store> {
  const target = parseDatabaseUrl(databaseUrl);
  if (!target) throw new StoreOpenError('DATABASE_URL must be sqlite:<path> or postgres://user:password@host/db');
  const where = describeDatabase(databaseUrl);
  let store: Store;
  if (target.engine === 'sqlite') {
    let isFile = false;
    try {
      isFile = statSync(target.path).isFile();
    } catch {
      throw new StoreOpenError(`${where} does not exist (has the bot run here yet? DATABASE_URL)`);
    }
    if (!isFile) throw new StoreOpenError(`${where} is not a file: DATABASE_URL must name the SQLite database file`);
    const { sqlite, cleanup } = openSqliteForReading(target.path, where);
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: sqlite }) });
    store = {
      engine: 'sqlite',
      db,
      raw: { engine: 'sqlite', sqlite },
      assertPresent: () => undefined,
      close: async () => {
        await db.destroy();
        cleanup();
      },
    };
  } else {
    const pool = new pg.Pool({ connectionString: target.url, max: 2, connectionTimeoutMillis: 10_000 });
    pool.on('connect', (client) => {
      client.query('SET default_transaction_read_only = on').catch(() => undefined);
    });
    store = postgresStore(pool);
  }
  if (options.checkSchema === false) return store;
  try {
    await checkSchemaCurrent(store, where);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/**
 * A SQLite database opened read-only where it lies; or, when SQLite would have to write beside it to read it (a WAL
 * database needs its `-shm` index, which it cannot create in a read-only folder: an investigator's copy), from a
 * private copy of the file and its `-wal` in a temp folder, removed on close. The original is never written.
 */
function openSqliteForReading(path: string, where: string): { sqlite: Database.Database; cleanup: () => void } {
  const open = (file: string) => {
    const sqlite = new Database(file, { readonly: true, fileMustExist: true });
    try {
      sqlite.prepare('select count(*) from sqlite_master').get();
      return sqlite;
    } catch (err) {
      sqlite.close();
      throw err;
    }
  };
  const explain = (err: unknown) => {
    const code = (err as { code?: string }).code;
    return new StoreOpenError(
      code === 'SQLITE_NOTADB'
        ? `${where} is not a SQLite database (DATABASE_URL)`
        : `${where} cannot be read (${code ?? (err as Error).message})`,
    );
  };
  try {
    return { sqlite: open(path), cleanup: () => undefined };
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (!code.startsWith('SQLITE_READONLY') && code !== 'SQLITE_CANTOPEN') throw explain(err);
  }
  const dir = mkdtempSync(join(tmpdir(), 'resetpw-audit-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const copy = join(dir, basename(path));
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    return { sqlite: open(copy), cleanup };
  } catch (err) {
    cleanup();
    throw explain(err);
  }
}

/** Where a store's schema stands against this version's migrations. */
export type SchemaState =
  | { readonly state: 'empty' }
  | { readonly state: 'current'; readonly applied: number }
  | { readonly state: 'behind'; readonly pending: readonly string[] }
  | { readonly state: 'ahead'; readonly unknown: readonly string[] };

/** Reads the migrations table only. Throws StoreOpenError when the database cannot be read at all. */
export async function schemaState(store: Store, where: string): Promise<SchemaState> {
  let applied: string[];
  try {
    const rows = await (store.db as unknown as Kysely<{ kysely_migration: { name: string } }>)
      .selectFrom('kysely_migration')
      .select('name')
      .execute();
    applied = rows.map((r) => r.name);
  } catch (err) {
    const message = (err as Error).message;
    if (/no such table|does not exist/.test(message)) return { state: 'empty' };
    throw new StoreOpenError(`${where} cannot be read (${(err as { code?: string }).code ?? message})`);
  }
  const unknown = applied.filter((name) => !MIGRATION_NAMES.includes(name));
  if (unknown.length > 0) return { state: 'ahead', unknown };
  const pending = MIGRATION_NAMES.filter((name) => !applied.includes(name));
  return pending.length > 0 ? { state: 'behind', pending } : { state: 'current', applied: applied.length };
}

async function checkSchemaCurrent(store: Store, where: string): Promise<void> {
  const schema = await schemaState(store, where);
  if (schema.state === 'empty') {
    throw new StoreOpenError(`${where} holds no resetpw data (no migrations table): is DATABASE_URL the bot's?`);
  }
  if (schema.state === 'behind') {
    throw new StoreOpenError(
      `${where} was written by an older resetpw (missing ${schema.pending.join(', ')}): start the bot once to upgrade it`,
    );
  }
}
