import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { compiledOnce } from '../../src/store/database.js';

/** Issue 18: each SQL text is compiled once and its statement reused (Kysely prepares every query anew). */
describe('compiledOnce', () => {
  it('hands out one statement per SQL text', () => {
    const sqlite = new Database(':memory:');
    const db = compiledOnce(sqlite);
    const a = db.prepare('SELECT 1 AS one');
    expect(db.prepare('SELECT 1 AS one')).toBe(a);
    expect(db.prepare('SELECT 2 AS two')).not.toBe(a);
    db.close();
    expect(sqlite.open).toBe(false);
  });

  it('gives the same answers through Kysely, with bound values, and after the table changes', async () => {
    const db = new Kysely<{ t: { id: number; name: string; extra?: string } }>({
      dialect: new SqliteDialect({ database: compiledOnce(new Database(':memory:')) }),
    });
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)`.execute(db);
    for (const [id, name] of [
      [1, 'a'],
      [2, 'b'],
    ] as const) {
      await db.insertInto('t').values({ id, name }).execute();
    }
    const byId = (id: number) => db.selectFrom('t').selectAll().where('id', '=', id).executeTakeFirst();
    expect(await byId(1)).toEqual({ id: 1, name: 'a' });
    expect(await byId(2)).toEqual({ id: 2, name: 'b' });
    await sql`ALTER TABLE t ADD COLUMN extra TEXT`.execute(db);
    expect(await byId(2)).toEqual({ id: 2, name: 'b', extra: null });
    await db.destroy();
  });
});
