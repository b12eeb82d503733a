import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { ClaimedExpiry, ExpiryStore, LivePassword } from '../ports/index.js';
import type { ExpiriesTable, Schema } from './schema.js';

/**
 * Expiries in the store. A claim is a compare-and-set on the row (pending, or claimed with a lapsed lease → claimed
 * until now + lease), so on SQLite and PostgreSQL alike, with any number of processes, one of them wins each expiry.
 * A process that dies holding a claim gives it up when the lease lapses.
 */
export function createExpiryStore(db: Kysely<Schema>): ExpiryStore {
  const toLive = (r: ExpiriesTable): LivePassword => ({
    auditId: r.audit_id,
    dueAt: new Date(r.due_at),
    // Rows from before the watch (0008) end at their due time.
    setAt: new Date(r.set_at ?? r.due_at),
    endsAt: new Date(r.ends_at ?? r.due_at),
    expires: Number(r.expires) !== 0,
    ...(r.valid_until ? { validUntil: r.valid_until } : {}),
    directoryKind: r.directory_kind,
    accountId: r.account_id,
    login: r.login,
    marker: r.marker,
    adminUserId: r.admin_user_id,
    employeeName: r.employee_name,
  });

  return {
    async schedule(p) {
      await db
        .insertInto('expiries')
        .values({
          audit_id: p.auditId,
          due_at: p.dueAt.toISOString(),
          state: 'pending',
          lease_until: null,
          claim_token: null,
          directory_kind: p.directoryKind,
          account_id: p.accountId,
          login: p.login,
          marker: p.marker,
          admin_user_id: p.adminUserId,
          employee_name: p.employeeName,
          set_at: p.setAt.toISOString(),
          ends_at: p.endsAt.toISOString(),
          expires: p.expires ? 1 : 0,
          valid_until: p.validUntil ?? null,
          outcome: null,
          finished_at: null,
        })
        .onConflict((oc) => oc.column('audit_id').doNothing())
        .execute();
    },

    async claimDue(now, leaseMs): Promise<ClaimedExpiry | undefined> {
      const at = now.toISOString();
      // A few candidates, oldest first: another process may win any one of them.
      const candidates = await db
        .selectFrom('expiries')
        .select('audit_id')
        .where('due_at', '<=', at)
        .where((eb) =>
          eb.or([eb('state', '=', 'pending'), eb.and([eb('state', '=', 'claimed'), eb('lease_until', '<', at)])]),
        )
        .orderBy('due_at')
        .limit(5)
        .execute();
      for (const { audit_id } of candidates) {
        const claim = randomUUID();
        const won = await db
          .updateTable('expiries')
          .set({ state: 'claimed', lease_until: new Date(now.getTime() + leaseMs).toISOString(), claim_token: claim })
          .where('audit_id', '=', audit_id)
          .where((eb) =>
            eb.or([eb('state', '=', 'pending'), eb.and([eb('state', '=', 'claimed'), eb('lease_until', '<', at)])]),
          )
          .executeTakeFirst();
        if (won.numUpdatedRows !== 1n) continue;
        const row = await db
          .selectFrom('expiries')
          .leftJoin('resets', 'resets.id', 'expiries.audit_id')
          .selectAll('expiries')
          .select([
            'resets.directory_result as directory_result',
            'resets.directory_marker as reset_marker',
            'resets.announcement_ts as announcement_ts',
          ])
          .where('expiries.audit_id', '=', audit_id)
          .executeTakeFirstOrThrow();
        // Scheduled at the set, before the marker was read: the audit row has it by now.
        return {
          ...toLive(row),
          marker: row.marker || row.reset_marker || '',
          directoryResult: row.directory_result ?? null,
          ...(row.announcement_ts ? { announcementTs: row.announcement_ts } : {}),
          claim,
        };
      }
      return undefined;
    },

    async nextDueAt() {
      // A held expiry can be claimed again only when its lease ends: counting its due time would wake at once.
      const row = await db
        .selectFrom('expiries')
        .select(sql<string>`min(case when state = 'claimed' then lease_until else due_at end)`.as('due'))
        .where('state', 'in', ['pending', 'claimed'])
        .executeTakeFirst();
      return row?.due ? new Date(String(row.due)) : undefined;
    },

    async latestValidUntil(directoryKind, accountId) {
      const row = await db
        .selectFrom('expiries')
        .select('valid_until')
        .where('directory_kind', '=', directoryKind)
        .where('account_id', '=', accountId)
        .where('valid_until', 'is not', null)
        .orderBy('set_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row?.valid_until ?? undefined;
    },

    async release(claim, dueAt) {
      const done = await db
        .updateTable('expiries')
        .set({ state: 'pending', lease_until: null, claim_token: null, due_at: dueAt.toISOString() })
        .where('audit_id', '=', claim.auditId)
        .where('claim_token', '=', claim.claim)
        .executeTakeFirst();
      return done.numUpdatedRows === 1n;
    },

    async finish(claim, outcome, at) {
      const done = await db
        .updateTable('expiries')
        .set({ state: 'done', lease_until: null, outcome, finished_at: at.toISOString() })
        .where('audit_id', '=', claim.auditId)
        .where('claim_token', '=', claim.claim)
        .executeTakeFirst();
      return done.numUpdatedRows === 1n;
    },
  };
}
