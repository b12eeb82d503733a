import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { AuditEntry, AuditOutcome, AuditRecord, AuditStore, DeliveryEvent } from '../ports.js';
import type { ResetsTable, Schema } from './schema.js';

/** The audit trail on either engine. Never given the password: it is not part of any entry. */
export function createAuditStore(db: Kysely<Schema>, now: () => Date = () => new Date()): AuditStore {
  const insert = async (entry: AuditEntry, outcome: AuditOutcome | { result: 'sending' }) => {
    const id = randomUUID();
    const at = now().toISOString();
    await db
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
        ...outcomeColumns(outcome),
      })
      .execute();
    return id;
  };

  return {
    async record(entry, outcome) {
      await insert(entry, outcome);
    },
    begin: (entry) => insert(entry, { result: 'sending' }),
    async finish(id, outcome) {
      const at = now().toISOString();
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('resets')
          .set({ ...outcomeColumns(outcome), updated_at: at })
          .where('id', '=', id)
          .execute();
        if (outcome.deliveryStatus) {
          await trx
            .insertInto('delivery_events')
            .values({ reset_id: id, at, status: outcome.deliveryStatus, error_code: null })
            .execute();
        }
      });
    },
    async list({ limit, since, employeeCode }) {
      let q = db.selectFrom('resets').selectAll();
      if (since) q = q.where('created_at', '>=', since);
      if (employeeCode) q = q.where('employee_code', '=', employeeCode);
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
    async recordDelivery(id, { status, errorCode }, final) {
      const at = now().toISOString();
      return db.transaction().execute(async (trx) => {
        // Compare-and-set: only a row still `sent` and showing another status changes, so each change is
        // reported by exactly one poller.
        const changed = await trx
          .updateTable('resets')
          .set({
            delivery_status: status,
            delivery_error_code: errorCode ?? null,
            updated_at: at,
            ...(final ? { result: final } : {}),
          })
          .where('id', '=', id)
          .where('result', '=', 'sent')
          .where((eb) => eb.or([eb('delivery_status', 'is', null), eb('delivery_status', '!=', status)]))
          .executeTakeFirst();
        if (changed.numUpdatedRows === 0n) return false;
        await trx
          .insertInto('delivery_events')
          .values({ reset_id: id, at, status, error_code: errorCode ?? null })
          .execute();
        return true;
      });
    },
    async markRedacted(id) {
      await db
        .updateTable('resets')
        .set({ redacted_at: now().toISOString() })
        .where('id', '=', id)
        .where('redacted_at', 'is', null)
        .execute();
    },
    async endTracking(id) {
      const ended = await db
        .updateTable('resets')
        .set({ track_until: null, updated_at: now().toISOString() })
        .where('id', '=', id)
        .where('result', '=', 'sent')
        .where('track_until', 'is not', null)
        .executeTakeFirst();
      return ended.numUpdatedRows === 1n;
    },
    async setAnnouncement(id, ts) {
      await db.updateTable('resets').set({ announcement_ts: ts }).where('id', '=', id).execute();
    },
    async deliveriesToResume(at) {
      const rows = await db
        .selectFrom('resets')
        .selectAll()
        .where('message_sid', 'is not', null)
        .where((eb) =>
          eb.or([
            eb.and([eb('result', '=', 'sent'), eb('track_until', '>', at.toISOString())]),
            eb.and([eb('result', 'in', ['delivered', 'undelivered']), eb('redacted_at', 'is', null)]),
          ]),
        )
        .orderBy('seq')
        .execute();
      return rows.map(toRecord);
    },
    async deliveryEvents(ids) {
      const byId = new Map<string, DeliveryEvent[]>(ids.map((id) => [id, []]));
      if (ids.length === 0) return byId;
      const rows = await db
        .selectFrom('delivery_events')
        .selectAll()
        .where('reset_id', 'in', [...ids])
        .orderBy('seq')
        .execute();
      for (const r of rows) {
        byId.get(r.reset_id)?.push({
          at: r.at,
          status: r.status,
          ...(r.error_code !== null ? { errorCode: Number(r.error_code) } : {}),
        });
      }
      return byId;
    },
  };
}

function outcomeColumns(outcome: AuditOutcome | { result: 'sending' }) {
  const o = outcome as AuditOutcome;
  return {
    result: o.result,
    message_sid: o.messageSid ?? null,
    error_code: o.errorCode ?? null,
    twilio_error_code: o.twilioErrorCode ?? null,
    ...(o.deliveryStatus ? { delivery_status: o.deliveryStatus } : {}),
    ...(o.trackUntil ? { track_until: o.trackUntil.toISOString() } : {}),
  };
}

function toRecord(r: Selectable<ResetsTable>): AuditRecord {
  const employee = {
    ...(r.employee_name !== null ? { name: r.employee_name } : {}),
    ...(r.employee_code !== null ? { code: r.employee_code } : {}),
    ...(r.phone_e164 !== null ? { phoneE164: r.phone_e164 } : {}),
  };
  return {
    id: r.id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    requestId: r.request_id,
    ...(r.team_id !== null ? { teamId: r.team_id } : {}),
    adminUserId: r.admin_user_id,
    ...(Object.keys(employee).length > 0 ? { employee } : {}),
    ...(r.reason !== null ? { reason: r.reason } : {}),
    result: r.result,
    ...(r.message_sid !== null ? { messageSid: r.message_sid } : {}),
    ...(r.error_code !== null ? { errorCode: r.error_code } : {}),
    ...(r.twilio_error_code !== null ? { twilioErrorCode: Number(r.twilio_error_code) } : {}),
    ...(r.delivery_status !== null ? { deliveryStatus: r.delivery_status } : {}),
    ...(r.delivery_error_code !== null ? { deliveryErrorCode: Number(r.delivery_error_code) } : {}),
    ...(r.track_until !== null ? { trackUntil: r.track_until } : {}),
    ...(r.redacted_at !== null ? { redactedAt: r.redacted_at } : {}),
    ...(r.announcement_ts !== null ? { announcementTs: r.announcement_ts } : {}),
  };
}
