import { type Kysely, sql } from 'kysely';
import type { StoredVerification, VerificationState, VerificationStore } from '../ports/index.js';
import type { Engine } from './migrations.js';
import type { Schema, VerificationsTable } from './schema.js';

/**
 * Verifications in the store, so that a code sent by one replica is checked by any other. Every state change is a
 * compare-and-set on the row: two submissions of the right code pass once, a wrong code is counted once per try.
 */
export function createVerificationStore(db: Kysely<Schema>, engine: Engine): VerificationStore {
  const toStored = (r: VerificationsTable): StoredVerification => ({
    id: r.id,
    viewId: r.view_id,
    ...(r.team_id ? { teamId: r.team_id } : {}),
    adminUserId: r.admin_user_id,
    directoryKind: r.directory_kind,
    accountId: r.account_id,
    employeeCode: r.employee_code,
    method: r.method as StoredVerification['method'],
    codeHash: r.code_hash ?? '',
    expiresAt: new Date(r.expires_at),
    state: r.state as VerificationState,
    attempts: Number(r.attempts),
    ...(r.locked_until ? { lockedUntil: new Date(r.locked_until) } : {}),
    ...(r.employee_slack_id ? { employeeSlackId: r.employee_slack_id } : {}),
    ...(r.dm_channel && r.dm_ts ? { dm: { channel: r.dm_channel, ts: r.dm_ts } } : {}),
    createdAt: new Date(r.created_at),
  });

  return {
    async lockedUntil(directoryKind, accountId, now) {
      const row = await db
        .selectFrom('verifications')
        .select('locked_until')
        .where('directory_kind', '=', directoryKind)
        .where('account_id', '=', accountId)
        .where('locked_until', '>', now.toISOString())
        .orderBy('locked_until', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row?.locked_until ? new Date(row.locked_until) : undefined;
    },

    async create(v, now) {
      const at = now.toISOString();
      await db
        .insertInto('verifications')
        .values({
          id: v.id,
          view_id: v.viewId,
          team_id: v.teamId ?? null,
          admin_user_id: v.adminUserId,
          directory_kind: v.directoryKind,
          account_id: v.accountId,
          employee_code: v.employeeCode,
          method: v.method,
          code_hash: v.codeHash,
          expires_at: v.expiresAt.toISOString(),
          attempts: 0,
          state: 'pending',
          locked_until: null,
          message_sid: null,
          employee_slack_id: null,
          dm_channel: null,
          dm_ts: null,
          created_at: at,
          updated_at: at,
        })
        .execute();
    },

    async get(id) {
      const row = await db.selectFrom('verifications').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toStored(row) : undefined;
    },

    async overdue(methods, before, limit) {
      if (methods.length === 0) return [];
      const rows = await db
        .selectFrom('verifications')
        .selectAll()
        .where('state', '=', 'pending')
        .where('expires_at', '<', before.toISOString())
        .where('method', 'in', [...methods])
        .orderBy('expires_at')
        .limit(limit)
        .execute();
      return rows.map(toStored);
    },

    async setMessage(id, messageSid) {
      await db.updateTable('verifications').set({ message_sid: messageSid }).where('id', '=', id).execute();
    },

    async recordWrong(id, now, maxAttempts, lockUntil, since) {
      const row = await db
        .selectFrom('verifications')
        .select(['directory_kind', 'account_id'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      // The employee's other wrong codes: a new modal (or another admin's) does not start again at three. Codes
      // from before their last passed verification, or before the last lock (which they have served), are
      // forgiven, and only those sent since `since` count.
      const others = sql<number>`(select coalesce(sum(o.attempts), 0) from verifications o
        where o.directory_kind = verifications.directory_kind and o.account_id = verifications.account_id
          and o.id <> verifications.id and o.method = 'code' and o.created_at >= ${since.toISOString()}
          and o.created_at > coalesce((select max(p.updated_at) from verifications p
            where p.directory_kind = verifications.directory_kind and p.account_id = verifications.account_id
              and p.id <> verifications.id and p.state in ('passed', 'used', 'locked', 'declined')), ''))`;
      const reached = sql<boolean>`attempts + 1 + ${others} >= ${maxAttempts}`;
      // One statement (the SET expressions read the row as it was): the count and the lock move together.
      const count = async (q: Kysely<Schema>) => {
        const counted = await q
          .updateTable('verifications')
          .set({
            attempts: sql`attempts + 1`,
            state: sql`case when ${reached} then 'locked' else state end`,
            locked_until: sql`case when ${reached} then ${lockUntil.toISOString()} else locked_until end`,
            updated_at: now.toISOString(),
          })
          .where('id', '=', id)
          .where('state', '=', 'pending')
          .returning(['attempts', 'state', sql<number>`attempts + ${others}`.as('recent')])
          .executeTakeFirst();
        if (!counted) return undefined;
        const locked = counted.state === 'locked';
        // The employee's other codes still out end with the lock: typed after it, they would count for nothing.
        if (locked) await endOtherCodes(q, row.directory_kind, row.account_id, id, now);
        return { attempts: Number(counted.attempts), recent: Number(counted.recent), locked };
      };
      // SQLite runs one writer at a time, so the statement alone counts every wrong code (and a transaction held
      // across awaits would stall a second connection in the same process).
      if (engine !== 'postgres') return count(db);
      // On PostgreSQL two statements on different rows would each read the other's count from before it (READ
      // COMMITTED), and three wrong codes could lock nothing: one account's wrong codes are counted one at a time.
      const key = `resetpw:verify:${row.directory_kind}:${row.account_id}`;
      return db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
        return count(trx);
      });
    },

    async pass(id, now) {
      const moved = await db
        .updateTable('verifications')
        .set({ state: 'passed', updated_at: now.toISOString() })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .where('expires_at', '>', now.toISOString())
        .returning(['directory_kind', 'account_id'])
        .executeTakeFirst();
      if (!moved) return false;
      // Other codes sent for the employee before this pass end with it: wrong codes typed into them would be
      // forgiven by the pass, so they are not to be typed into at all (a new modal sends a new code).
      await endOtherCodes(db, moved.directory_kind, moved.account_id, id, now);
      return true;
    },

    async use(id, viewId, accountId, now) {
      const moved = await db
        .updateTable('verifications')
        .set({ state: 'used', updated_at: now.toISOString() })
        .where('id', '=', id)
        .where('view_id', '=', viewId)
        .where('account_id', '=', accountId)
        .where('state', '=', 'passed')
        .executeTakeFirst();
      return moved.numUpdatedRows === 1n;
    },

    async end(id, state, now, from = ['pending']) {
      const moved = await db
        .updateTable('verifications')
        .set({ state, updated_at: now.toISOString() })
        .where('id', '=', id)
        .where('state', 'in', [...from])
        .executeTakeFirst();
      return moved.numUpdatedRows === 1n;
    },

    async settle(id, approved, now, lockUntil) {
      const rows = await db
        .updateTable('verifications')
        .set({
          state: approved ? 'passed' : 'declined',
          updated_at: now.toISOString(),
          ...(approved ? {} : { locked_until: lockUntil.toISOString() }),
        })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .returningAll()
        .execute();
      return rows[0] ? toStored(rows[0]) : undefined;
    },

    async setApprovalMessage(id, employeeSlackId, dm) {
      await db
        .updateTable('verifications')
        .set({ employee_slack_id: employeeSlackId, dm_channel: dm.channel, dm_ts: dm.ts })
        .where('id', '=', id)
        .execute();
    },

    async answer(id, slackUserId, approved, now, lockUntil) {
      const rows = await db
        .updateTable('verifications')
        .set({
          state: approved ? 'passed' : 'declined',
          updated_at: now.toISOString(),
          ...(!approved && lockUntil ? { locked_until: lockUntil.toISOString() } : {}),
        })
        .where('id', '=', id)
        .where('method', '=', 'slack_approval')
        .where('employee_slack_id', '=', slackUserId)
        .where('state', '=', 'pending')
        .where('expires_at', '>', now.toISOString())
        .returningAll()
        .execute();
      return rows[0] ? toStored(rows[0]) : undefined;
    },
  };
}

/** Ends (`failed`) the account's other codes still pending: a lock or a pass makes them stale. */
async function endOtherCodes(
  db: Kysely<Schema>,
  directoryKind: string,
  accountId: string,
  exceptId: string,
  now: Date,
): Promise<void> {
  await db
    .updateTable('verifications')
    .set({ state: 'failed', updated_at: now.toISOString() })
    .where('directory_kind', '=', directoryKind)
    .where('account_id', '=', accountId)
    .where('method', '=', 'code')
    .where('state', '=', 'pending')
    .where('id', '<>', exceptId)
    .execute();
}
