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
 * Tells the admin's modal that a question or push ran out, unless the admin has moved on from it since ("Text a
 * code instead" moves the row from expired to failed): the notice must not overwrite a code step or a result.
 */
export async function tellIfStillExpired(
  store: VerificationStore,
  row: StoredVerification,
  tell: (row: StoredVerification) => Promise<void>,
): Promise<void> {
  if ((await store.get(row.id))?.state === 'expired') await tell(row);
}

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

/**
 * The admin moves on from a question or a push (a code instead, or the modal closed): `withdrawn` when it was still
 * open (now ended), `moved_on` when it had run out (now ended too, so that no late notice of its end overwrites the
 * admin's modal), `closed` when it had ended otherwise with nobody's answer (it could not be asked), and `answered`
 * when the employee answered first: then the admin may not move on.
 */
export async function moveOn(
  store: VerificationStore,
  id: string,
  at: Date,
): Promise<'withdrawn' | 'moved_on' | 'closed' | 'answered'> {
  if (await store.end(id, 'failed', at)) return 'withdrawn';
  if (await store.end(id, 'failed', at, ['expired'])) return 'moved_on';
  return (await store.get(id))?.state === 'failed' ? 'closed' : 'answered';
}
