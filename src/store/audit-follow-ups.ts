import type { Kysely } from 'kysely';
import type { AuditStore, DeliveryEvent, DirectoryKind } from '../ports/index.js';
import { directoryStepColumns, toRecord, UNANSWERED_SEND, WROTE_PASSWORD } from './audit-rows.js';
import type { Schema } from './schema.js';

/** A scramble's claim older than this belongs to a process that died: well past a directory's slowest write. */
const STALE_SCRAMBLE_MS = 5 * 60_000;

/** What happens to an audit row after its reset answered: delivery, an unknown send's look-up, the directory step. */
export type AuditFollowUps = Pick<
  AuditStore,
  | 'recordDelivery'
  | 'deliveryEvents'
  | 'markRedacted'
  | 'endTracking'
  | 'deliveriesToResume'
  | 'unknownSendsToResolve'
  | 'knownMessageSids'
  | 'settleUnknownSend'
  | 'moveDirectoryStep'
  | 'latestDirectoryWrite'
  | 'scramblesToRetry'
>;

/**
 * The audit store's follow-up half (src/store/audit-store.ts has the rows' own half). Every change is a
 * compare-and-set on the row, so that with several replicas each change is made, and reported, once.
 */
export function createAuditFollowUps(db: Kysely<Schema>, now: () => Date): AuditFollowUps {
  return {
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
    async knownMessageSids(sids) {
      if (sids.length === 0) return new Set<string>();
      const rows = await db
        .selectFrom('resets')
        .select('message_sid')
        .where('message_sid', 'in', [...sids])
        .execute();
      return new Set(rows.flatMap((r) => (r.message_sid ? [r.message_sid] : [])));
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
        .select(['id', 'directory_result'])
        .where('directory_kind', '=', kind)
        .where('directory_account', '=', accountId)
        .where('directory_result', 'in', WROTE_PASSWORD)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? { id: row.id, underway: row.directory_result === 'setting' } : undefined;
    },
    async scramblesToRetry() {
      const rows = await db
        .selectFrom('resets')
        .selectAll()
        // A scramble whose process died between its claim and its result is as unfinished as a failed one.
        .where((eb) =>
          eb.or([
            eb('directory_result', '=', 'scramble_failed'),
            eb.and([
              eb('directory_result', '=', 'scrambling'),
              eb('updated_at', '<', new Date(now().getTime() - STALE_SCRAMBLE_MS).toISOString()),
            ]),
          ]),
        )
        .orderBy('seq')
        .execute();
      return rows.map(toRecord);
    },
  };
}
