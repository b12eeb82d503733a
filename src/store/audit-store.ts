import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { AuditEntry, AuditOutcome, AuditRecord, AuditStore } from '../ports.js';
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
      await db
        .updateTable('resets')
        .set({ ...outcomeColumns(outcome), updated_at: now().toISOString() })
        .where('id', '=', id)
        .execute();
    },
    async list({ limit, since, employeeCode }) {
      let q = db.selectFrom('resets').selectAll();
      if (since) q = q.where('created_at', '>=', since);
      if (employeeCode) q = q.where('employee_code', '=', employeeCode);
      const rows = await q.orderBy('created_at', 'desc').orderBy('seq', 'desc').limit(limit).execute();
      return rows.map(toRecord);
    },
    async recoverInterrupted(before) {
      // One UPDATE … RETURNING: with several replicas sweeping at once, each row is claimed by exactly one.
      const rows = await db
        .updateTable('resets')
        .set({ result: 'unknown', error_code: 'INTERRUPTED', updated_at: now().toISOString() })
        .where('result', '=', 'sending')
        .where('updated_at', '<', before.toISOString())
        .returningAll()
        .execute();
      return rows.map(toRecord);
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
  };
}
