import type { Kysely } from 'kysely';
import type { HomeViewers } from '../ports/index.js';
import type { Schema } from './schema.js';

/** Who opened the App Home: one row per user, the latest opening (an upsert, so any replica may write it). */
export function createHomeViewers(db: Kysely<Schema>): HomeViewers {
  return {
    async opened(userId, at) {
      await db
        .insertInto('home_viewers')
        .values({ user_id: userId, opened_at: at.toISOString() })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ opened_at: at.toISOString() }))
        .execute();
    },
    async openedSince(userId, since) {
      const row = await db
        .selectFrom('home_viewers')
        .select('user_id')
        .where('user_id', '=', userId)
        .where('opened_at', '>=', since.toISOString())
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}
