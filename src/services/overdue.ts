import type { Logger } from 'pino';
import type { StoredVerification, VerificationStore } from '../ports/index.js';

/**
 * How long past its expiry a question's or push's own timer (on whichever replica asked) has to end it before the
 * sweep does; never more than its own time (VERIFY_APPROVAL_TTL).
 */
export const OVERDUE_GRACE_MS = 10_000;
/** Rows ended per sweep and method: a backlog is worked off a sweep at a time. */
const PER_SWEEP = 50;

/**
 * Ends, once each on any replica (the store's compare-and-set), the pending verifications of one method whose time
 * is up and whose process ended before it could end them (a restart, a crash); `ended` is told of each, in order.
 * Those this process still waits for (`ownedHere`) are its own to end. One row's failure does not stop the rest.
 */
export async function endOverdue(o: {
  readonly store: VerificationStore;
  readonly method: 'slack_approval' | 'directory_factor';
  readonly ttlMs: number;
  readonly at: Date;
  readonly ownedHere: (id: string) => boolean;
  readonly ended: (row: StoredVerification) => Promise<void>;
  readonly log: Logger;
}): Promise<number> {
  const grace = Math.min(OVERDUE_GRACE_MS, o.ttlMs);
  const overdue = await o.store.overdue([o.method], new Date(o.at.getTime() - grace), PER_SWEEP);
  let count = 0;
  for (const row of overdue) {
    if (o.ownedHere(row.id)) continue;
    try {
      if (!(await o.store.end(row.id, 'expired', o.at))) continue;
      count++;
      o.log.info(
        { event: 'verification', method: o.method, verificationId: row.id },
        'a verification whose process had ended ran out',
      );
      await o.ended(row);
    } catch (err) {
      o.log.warn({ err, verificationId: row.id }, 'could not end an overdue verification');
    }
  }
  return count;
}
