import type { Kysely } from 'kysely';
import type { FormRegistry } from '../ports/index.js';
import type { Schema } from './schema.js';

/** A form is good for a day: Slack closes modals long before, and old rows are dropped as new forms open. */
const FORM_LIFETIME_MS = 24 * 60 * 60_000;
/** Old rows are dropped at most this often (per process): a burst of forms costs one insert each, not two writes. */
const SWEEP_EVERY_MS = 60_000;

/** The forms the bot opened, shared by every replica on the same database. */
export function createFormRegistry(db: Kysely<Schema>, now: () => Date = () => new Date()): FormRegistry {
  const oldest = () => new Date(now().getTime() - FORM_LIFETIME_MS).toISOString();
  let sweptAt = Number.NEGATIVE_INFINITY;
  return {
    async opened(form) {
      await db
        .insertInto('forms')
        .values({
          view_id: form.viewId,
          team_id: form.teamId,
          admin_user_id: form.adminUserId,
          // '' for a form opened from the App Home: the columns predate it and are NOT NULL.
          channel_id: form.channelId ?? '',
          response_url: form.responseUrl ?? '',
          opened_at: now().toISOString(),
          confirmed_code: null,
          confirmed_account: null,
          confirmed_reason: null,
          confirmed_phone: null,
        })
        .onConflict((oc) => oc.column('view_id').doNothing())
        .execute();
      // Expired rows are never read (get() asks for opened_at within the lifetime): dropping them can wait.
      if (now().getTime() - sweptAt >= SWEEP_EVERY_MS) {
        sweptAt = now().getTime();
        await db.deleteFrom('forms').where('opened_at', '<', oldest()).execute();
      }
    },
    async get(viewId) {
      const row = await db
        .selectFrom('forms')
        .selectAll()
        .where('view_id', '=', viewId)
        .where('opened_at', '>=', oldest())
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        viewId: row.view_id,
        teamId: row.team_id,
        adminUserId: row.admin_user_id,
        ...(row.channel_id ? { channelId: row.channel_id } : {}),
        ...(row.response_url ? { responseUrl: row.response_url } : {}),
        ...(row.confirmed_code !== null && row.confirmed_account !== null
          ? {
              confirmed: {
                code: row.confirmed_code,
                accountId: row.confirmed_account,
                ...(row.confirmed_reason !== null ? { reason: row.confirmed_reason } : {}),
                ...(row.confirmed_phone !== null ? { phoneE164: row.confirmed_phone } : {}),
              },
            }
          : {}),
      };
    },
    async confirm(viewId, confirmed) {
      await db
        .updateTable('forms')
        .set({
          confirmed_code: confirmed.code,
          confirmed_account: confirmed.accountId,
          confirmed_reason: confirmed.reason ?? null,
          confirmed_phone: confirmed.phoneE164 ?? null,
        })
        .where('view_id', '=', viewId)
        .execute();
    },
  };
}
