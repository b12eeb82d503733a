import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type {
  AuditDirectoryStep,
  AuditEntry,
  AuditOutcome,
  AuditRecord,
  AuditStore,
  DeliveryEvent,
  DirectoryKind,
  DirectoryResult,
  EmployeeNoticeResult,
} from '../ports/index.js';
import type { ResetsTable, Schema } from './schema.js';

/** The audit trail on either engine. Never given the password: it is not part of any entry. */
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
        ...outcomeColumns(outcome),
        // A reset that will touch the directory says so before it does, so that a crash in between is seen.
        ...(outcome.result === 'sending' && entry.directory ? { directory_result: 'setting' } : {}),
      })
      .execute();
    return id;
  };
  const insert = (entry: AuditEntry, outcome: AuditOutcome | { result: 'sending' }) => insertWith(db, entry, outcome);

  return {
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
    async unknownSendsToResolve(since) {
      const rows = await db
        .selectFrom('resets')
        .selectAll()
        .where('result', '=', 'unknown')
        .where('error_code', 'in', UNANSWERED_SEND)
        .where('message_sid', 'is', null)
        .where('sms_lookup', 'is', null)
        .where('created_at', '>=', since.toISOString())
        .orderBy('seq')
        .execute();
      return rows.map(toRecord);
    },
    async settleUnknownSend(id, settlement) {
      const at = now().toISOString();
      const found = settlement.lookup === 'found' ? settlement : undefined;
      // Compare-and-set on a row still unknown and not looked up: with several replicas, one settles it.
      const rows = await db
        .updateTable('resets')
        .set({
          sms_lookup: settlement.lookup,
          updated_at: at,
          ...(found
            ? {
                result: 'sent',
                message_sid: found.messageSid,
                track_until: found.trackUntil.toISOString(),
              }
            : {}),
          ...(settlement.lookup === 'not_found' ? { result: 'failed' } : {}),
        })
        .where('id', '=', id)
        .where('result', '=', 'unknown')
        .where('sms_lookup', 'is', null)
        .returningAll()
        .execute();
      const row = rows[0];
      return row ? toRecord(row) : undefined;
    },
    async moveDirectoryStep(id, from, step) {
      const moved = await db
        .updateTable('resets')
        .set({ ...directoryStepColumns(step), updated_at: now().toISOString() })
        .where('id', '=', id)
        .where('directory_result', 'in', [...from])
        .executeTakeFirst();
      return moved.numUpdatedRows === 1n;
    },
    async latestDirectoryWrite(kind: DirectoryKind, accountId) {
      const row = await db
        .selectFrom('resets')
        .select('id')
        .where('directory_kind', '=', kind)
        .where('directory_account', '=', accountId)
        .where('directory_result', 'in', WROTE_PASSWORD)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row?.id;
    },
    async scramblesToRetry() {
      const rows = await db
        .selectFrom('resets')
        .selectAll()
        .where('directory_result', '=', 'scramble_failed')
        .orderBy('seq')
        .execute();
      return rows.map(toRecord);
    },
    async recordEmployeeNotice(id, result) {
      await db.updateTable('resets').set({ employee_notice: result }).where('id', '=', id).execute();
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

/** `unknown` rows whose send got no answer (not those of an interrupted process: they are scrambled already). */
const UNANSWERED_SEND = ['SMS_OUTCOME_UNKNOWN', 'INTERNAL'];

/** Directory steps after which a password chosen by the bot may be live in the directory. */
const WROTE_PASSWORD: DirectoryResult[] = ['setting', 'set', 'scrambled', 'scramble_failed', 'superseded', 'changed'];

function outcomeColumns(outcome: AuditOutcome | { result: 'sending' }) {
  const o = outcome as AuditOutcome;
  return {
    result: o.result,
    message_sid: o.messageSid ?? null,
    error_code: o.errorCode ?? null,
    twilio_error_code: o.twilioErrorCode ?? null,
    ...(o.deliveryStatus ? { delivery_status: o.deliveryStatus } : {}),
    ...(o.trackUntil ? { track_until: o.trackUntil.toISOString() } : {}),
    ...(o.directoryStep ? directoryStepColumns(o.directoryStep) : {}),
  };
}

function directoryStepColumns(step: AuditDirectoryStep) {
  return {
    directory_result: step.result,
    directory_detail: step.detail ?? null,
    ...(step.marker !== undefined ? { directory_marker: step.marker } : {}),
    ...(step.sessions !== undefined ? { directory_sessions: step.sessions } : {}),
  };
}

function directoryOf(r: Selectable<ResetsTable>): Pick<AuditRecord, 'directory' | 'directoryStep'> {
  const target =
    r.directory_kind !== null && r.directory_account !== null
      ? {
          directory: {
            kind: r.directory_kind as DirectoryKind,
            accountId: r.directory_account,
            login: r.directory_login ?? '',
          },
        }
      : {};
  const step =
    r.directory_result !== null
      ? {
          directoryStep: {
            result: r.directory_result as DirectoryResult,
            ...(r.directory_detail !== null ? { detail: r.directory_detail } : {}),
            ...(r.directory_marker !== null ? { marker: r.directory_marker } : {}),
            ...(r.directory_sessions !== null ? { sessions: r.directory_sessions } : {}),
          },
        }
      : {};
  return { ...target, ...step };
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
    ...(r.repeat_count !== null ? { repeatCount: Number(r.repeat_count) } : {}),
    ...(r.sms_lookup !== null ? { smsLookup: r.sms_lookup } : {}),
    ...(r.employee_notice !== null ? { employeeNotice: r.employee_notice as EmployeeNoticeResult } : {}),
    ...directoryOf(r),
  };
}
