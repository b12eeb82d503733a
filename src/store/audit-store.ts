import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { AuditEntry, AuditOutcome, AuditStore } from '../ports/index.js';
import { createAuditFollowUps } from './audit-follow-ups.js';
import { outcomeColumns, toRecord } from './audit-rows.js';
import type { Schema } from './schema.js';

/**
 * The audit trail on either engine. Never given the password: it is not part of any entry. The rows' own half is
 * here; what follows a reset (delivery, the look-up, the directory step) is in audit-follow-ups.ts.
 */
export function createAuditStore(db: Kysely<Schema>, now: () => Date = () => new Date()): AuditStore {
  const insertWith = async (
    target: Kysely<Schema>,
    entry: AuditEntry,
    outcome: AuditOutcome | { result: 'sending' },
  ) => {
    const id = randomUUID();
    const at = now().toISOString();
    await target
      .insertInto('resets')
      .values({
        id,
        created_at: at,
        updated_at: at,
        request_id: entry.requestId,
        team_id: entry.teamId ?? null,
        admin_user_id: entry.adminUserId,
        employee_name: entry.employee?.name ?? null,
        employee_code: entry.employee?.code ?? null,
        phone_e164: entry.employee?.phoneE164 ?? null,
        reason: entry.reason ?? null,
        directory_kind: entry.directory?.kind ?? null,
        directory_account: entry.directory?.accountId ?? null,
        directory_login: entry.directory?.login ?? null,
        verification_method: entry.verification?.method ?? null,
        verified_at: entry.verification?.at ?? null,
        verification_failures: entry.verification?.failures ?? null,
        ...outcomeColumns(outcome),
        // A reset that will touch the directory says so before it does, so that a crash in between is seen.
        ...(outcome.result === 'sending' && entry.directory ? { directory_result: 'setting' } : {}),
      })
      .execute();
    return id;
  };
  const insert = (entry: AuditEntry, outcome: AuditOutcome | { result: 'sending' }) => insertWith(db, entry, outcome);

  return {
    ...createAuditFollowUps(db, now),
    async record(entry, outcome) {
      await insert(entry, outcome);
    },
    async recordRefusal(entry, outcome, since) {
      return db.transaction().execute(async (trx) => {
        const latest = await trx
          .selectFrom('resets')
          .select(['id', 'repeat_count'])
          .where('admin_user_id', '=', entry.adminUserId)
          .where('result', '=', outcome.result)
          .where('error_code', '=', outcome.errorCode ?? '')
          .where('created_at', '>=', since.toISOString())
          .orderBy('seq', 'desc')
          .limit(1)
          .executeTakeFirst();
        if (latest) {
          await trx
            .updateTable('resets')
            .set({ repeat_count: (latest.repeat_count ?? 1) + 1, updated_at: now().toISOString() })
            .where('id', '=', latest.id)
            .execute();
          return 'counted' as const;
        }
        await insertWith(trx, entry, outcome);
        return 'recorded' as const;
      });
    },
    begin: (entry) => insert(entry, { result: 'sending' }),
    async finish(id, outcome) {
      const at = now().toISOString();
      return db.transaction().execute(async (trx) => {
        // Only a row still `sending`: a shutdown that already marked it unknown keeps the word it gave the admin.
        const updated = await trx
          .updateTable('resets')
          .set({ ...outcomeColumns(outcome), updated_at: at })
          .where('id', '=', id)
          .where('result', '=', 'sending')
          .executeTakeFirst();
        if (updated.numUpdatedRows === 0n) return false;
        if (outcome.deliveryStatus) {
          await trx
            .insertInto('delivery_events')
            .values({ reset_id: id, at, status: outcome.deliveryStatus, error_code: null })
            .execute();
        }
        return true;
      });
    },
    async list({ limit, since, employeeCode, adminUserId, results }) {
      let q = db.selectFrom('resets').selectAll();
      if (since) q = q.where('created_at', '>=', since);
      // Case-insensitive, like the rate limits: E-1042 and e-1042 are the same employee.
      if (employeeCode) q = q.where(sql`lower(employee_code)`, '=', employeeCode.toLowerCase());
      if (adminUserId) q = q.where('admin_user_id', '=', adminUserId);
      if (results) q = results.length > 0 ? q.where('result', 'in', results) : q.where(sql<boolean>`1 = 0`);
      const rows = await q.orderBy('created_at', 'desc').orderBy('seq', 'desc').limit(limit).execute();
      return rows.map(toRecord);
    },
    async recoverInterrupted(before, ids) {
      if (ids && ids.length === 0) return [];
      // One UPDATE … RETURNING: with several replicas sweeping at once, each row is claimed by exactly one.
      let q = db
        .updateTable('resets')
        .set({ result: 'unknown', error_code: 'INTERRUPTED', updated_at: now().toISOString() })
        .where('result', '=', 'sending')
        .where('updated_at', '<', before.toISOString());
      if (ids) q = q.where('id', 'in', [...ids]);
      const rows = await q.returningAll().execute();
      return rows.map(toRecord);
    },
    async get(id) {
      const row = await db.selectFrom('resets').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },
    async setAnnouncement(id, ts) {
      // Compare-and-set like every other state change: the first message about a row stays its message.
      await db
        .updateTable('resets')
        .set({ announcement_ts: ts })
        .where('id', '=', id)
        .where('announcement_ts', 'is', null)
        .execute();
    },
    async recordEmployeeNotice(id, result) {
      await db.updateTable('resets').set({ employee_notice: result }).where('id', '=', id).execute();
    },
  };
}
