import type { Kysely } from 'kysely';
import type { SubmissionLedger } from '../ports/index.js';
import type { Schema } from './schema.js';

/**
 * Idempotency for modal submissions. The primary key on `view_id` decides: of any number of concurrent claims,
 * on one replica or several, exactly one inserts the row.
 */
export function createSubmissionLedger(db: Kysely<Schema>, now: () => Date = () => new Date()): SubmissionLedger {
  return {
    async claim(viewId, requestId) {
      const result = await db
        .insertInto('submissions')
        .values({ view_id: viewId, request_id: requestId, created_at: now().toISOString() })
        .onConflict((oc) => oc.column('view_id').doNothing())
        .executeTakeFirst();
      return result.numInsertedOrUpdatedRows === 1n;
    },
  };
}
