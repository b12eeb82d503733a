import type { Logger } from 'pino';
import { asAppError } from '../errors.js';
import type { Directory, ExpiryNotices, ExpiryOutcome, ExpiryStore, LivePassword } from '../ports/index.js';
import type { Compensator } from './compensation.js';

/** Longest a claim is held: a process that dies mid-expiry lets another take it over after this. */
const LEASE_MS = 60_000;
/** The store is looked at at least this often, for expiries other replicas scheduled. */
const POLL_MS = 30_000;
/** When the directory cannot say whether the employee changed the password, it is asked again this much later. */
const RETRY_MS = 60_000;

/**
 * TEMP_PASSWORD_TTL: a temporary password the employee has not replaced by their own in time is scrambled, so an
 * unused text stops being a standing credential. Due times live in the store; a timer wakes this process at the next
 * one (and at least every POLL_MS for other replicas' resets), and each due expiry is claimed by exactly one process.
 * A newer reset of the same account supersedes the older one's expiry: the compensator never scrambles over it.
 */
export function createExpiryScheduler(deps: {
  readonly store: ExpiryStore;
  readonly directory: Directory;
  readonly compensator: Compensator;
  readonly notices: ExpiryNotices;
  readonly ttlMs: number;
  readonly revokeSessions: boolean;
  readonly log: Logger;
  readonly now?: () => number;
  /** Hears each outcome (the metrics, the tests). */
  readonly onOutcome?: (outcome: ExpiryOutcome, password: LivePassword) => void;
}) {
  const now = deps.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  /** Runs every due expiry, then sleeps until the next one (or POLL_MS). */
  function wake(): Promise<void> {
    running ??= (async () => {
      try {
        for (;;) {
          if (stopped) return;
          const due = await deps.store.claimDue(new Date(now()), LEASE_MS);
          if (!due) break;
          await expire(due);
        }
      } catch (err) {
        deps.log.error({ err }, 'could not run due password expiries; trying again shortly');
      } finally {
        running = undefined;
      }
      await arm();
    })();
    return running;
  }

  async function arm(): Promise<void> {
    if (stopped) return;
    const next = await deps.store.nextDueAt().catch(() => undefined);
    const wait = Math.min(POLL_MS, Math.max(0, (next?.getTime() ?? Number.POSITIVE_INFINITY) - now()));
    clearTimeout(timer);
    timer = setTimeout(() => void wake(), wait);
    timer.unref();
  }

  async function expire(p: Awaited<ReturnType<ExpiryStore['claimDue']>> & object): Promise<void> {
    const log = deps.log.child({ auditId: p.auditId, directoryLogin: p.login });
    const finish = async (outcome: ExpiryOutcome) => {
      await deps.store.finish(p.auditId, outcome, new Date(now()));
      log.info({ event: 'password_expiry', outcome }, `temporary password expiry: ${outcome}`);
      deps.onOutcome?.(outcome, p);
    };
    // The reset is still under way (a short TTL, a slow send): its outcome decides, so look again later.
    if (p.directoryResult === 'setting') {
      await deps.store.release(p.auditId, new Date(now() + RETRY_MS));
      return;
    }
    // Undone since (undelivered, interrupted, scrambled): nothing is live to expire.
    if (p.directoryResult !== 'set') return finish('already_undone');
    let changed: boolean;
    try {
      changed = await deps.directory.passwordChangedSince(p.accountId, p.marker);
    } catch (err) {
      const error = asAppError(err);
      log.warn({ errorCode: error.code }, 'could not tell whether the employee changed the password; expiry retried');
      await deps.store.release(p.auditId, new Date(now() + RETRY_MS));
      return;
    }
    if (changed) return finish('changed');
    const result = await deps.compensator.compensate(
      { auditId: p.auditId, kind: deps.directory.kind, accountId: p.accountId },
      'expired',
      ['set'],
      log,
    );
    if (result === undefined) return finish('already_undone'); // another path moved the row first
    if (result === 'superseded') return finish('superseded');
    let sessionsEnded = false;
    if (result === 'scrambled' && deps.revokeSessions && deps.directory.revokeSessions) {
      sessionsEnded = await deps.directory.revokeSessions(p.accountId).then(
        () => true,
        (err: unknown) => {
          log.warn({ errorCode: asAppError(err).code }, 'could not end the sign-in sessions at expiry');
          return false;
        },
      );
    }
    await deps.notices
      .expired(p, result, sessionsEnded)
      .catch((err: unknown) => log.error({ err }, 'could not tell the admin that the password expired'));
    await finish(result === 'scrambled' ? 'expired' : 'expire_failed');
  }

  return {
    /** A password the bot set and kept: it expires TEMP_PASSWORD_TTL from now unless the employee changes it. */
    async schedule(p: Omit<LivePassword, 'dueAt'>, log: Logger): Promise<void> {
      const dueAt = new Date(now() + deps.ttlMs);
      await deps.store
        .schedule({ ...p, dueAt })
        .catch((err: unknown) => log.error({ err, auditId: p.auditId }, 'could not schedule the password expiry'));
      if (!stopped) await arm();
    },
    /** Runs what fell due while no process was up, then keeps watching. */
    start(): Promise<void> {
      stopped = false;
      return wake();
    },
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    /** Runs what is due now (tests, and the first start). */
    runDue: wake,
  };
}

export type ExpiryScheduler = ReturnType<typeof createExpiryScheduler>;
