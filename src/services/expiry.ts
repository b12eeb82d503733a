import type { Logger } from 'pino';
import { AppError, asAppError, ErrorCode } from '../errors.js';
import { withTimeout } from '../lib/with-timeout.js';
import type {
  AuditStore,
  ClaimedExpiry,
  DeliveryEvent,
  Directory,
  ExpiryNotices,
  ExpiryOutcome,
  ExpiryStore,
  LivePassword,
  NewLivePassword,
  PasswordChange,
} from '../ports/index.js';
import type { Compensator } from './compensation.js';

/**
 * Longest a claim is held: well past an expiry's slowest path (the change check, a scramble of two requests, the
 * sign-out, the DM, each within DIRECTORY_TIMEOUT_MS of at most 60 s), so a live holder never loses it. A process that
 * dies holding a claim lets another take it over after this.
 */
const LEASE_MS = 10 * 60_000;
/** The store is looked at at least this often, for expiries other replicas scheduled. */
const POLL_MS = 30_000;
/** Never sooner than this: a wake that finds nothing claimable must not spin. */
const MIN_WAIT_MS = 1000;
/** When the directory cannot say whether the employee changed the password, it is asked again this much later. */
const RETRY_MS = 60_000;
/** Looks for the employee's own change, after the set: soon at first (a ticket waits on it), then hourly. */
const LOOKS_MS = [1, 2, 5, 10, 30].map((m) => m * 60_000);
const HOURLY_MS = 60 * 60_000;
/**
 * A store that fails to take an expiry is asked again after these waits (a lost connection, a failover): a password
 * with no expiry row would outlive TEMP_PASSWORD_TTL. The row is keyed by the reset, so a retry of a write that did
 * happen changes nothing. The reset's row is finished only after this, so only a failing store delays it.
 */
export const SCHEDULE_RETRY_MS: readonly number[] = [100, 400, 1500];
/**
 * All the attempts, waits included, end within this (an attempt can hang for the store's own timeouts: SQLite's busy
 * wait, a PostgreSQL connection): the interrupted-reset sweep waits this out before it calls a reset still `sending`
 * interrupted. An attempt given up on may still land; the expiry then runs as scheduled.
 */
export const SCHEDULE_WITHIN_MS = 3000;
/** With TEMP_PASSWORD_TTL=0 nothing expires, but the admin still hears of the change if it comes within this. */
const WATCH_WITHOUT_TTL_MS = 7 * 24 * 60 * 60_000;

/** The next look for a password set at `setAt`, after `at`: on the backoff, never past the end. */
export function nextLook(setAt: number, at: number, endsAt: number): number {
  const since = at - setAt;
  const step = LOOKS_MS.find((ms) => ms > since);
  const last = LOOKS_MS[LOOKS_MS.length - 1] ?? 0;
  const next = step ?? last + (Math.floor((since - last) / HOURLY_MS) + 1) * HOURLY_MS;
  return Math.min(setAt + next, endsAt);
}

/**
 * The watch over each temporary password the bot set. It is looked at on a backoff (LOOKS_MS, then hourly) for the
 * employee's own change, which the admin hears of (the signal that the ticket can be closed) and the audit records
 * (`changed`); at its end (TEMP_PASSWORD_TTL) one that was not replaced is scrambled, so an unused text stops being
 * a standing credential. Due times live in the store; a timer wakes this process at the next one (and at least every
 * POLL_MS for other replicas' resets), and each due look is claimed by exactly one process (a compare-and-set with a
 * lease; only the claim's holder may finish or release it). A newer reset of the same account supersedes the older
 * one's expiry: the compensator never scrambles over it.
 */
export function createExpiryScheduler(deps: {
  readonly store: ExpiryStore;
  /** The reset's row: when the text was delivered, and the audit channel's message, for the "changed" notice. */
  readonly audit: AuditStore;
  readonly directory: Directory;
  readonly compensator: Compensator;
  readonly notices: ExpiryNotices;
  /** TEMP_PASSWORD_TTL; 0: nothing expires, the change is only watched for (WATCH_WITHOUT_TTL_MS). */
  readonly ttlMs: number;
  readonly revokeSessions: boolean;
  readonly log: Logger;
  readonly now?: () => number;
  /** Hears each outcome (the metrics, the tests). */
  readonly onOutcome?: (outcome: ExpiryOutcome, password: LivePassword) => void;
  /** SCHEDULE_RETRY_MS and SCHEDULE_WITHIN_MS (tests shorten them). */
  readonly scheduleRetryMs?: readonly number[];
  readonly scheduleWithinMs?: number;
}) {
  const now = deps.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  /** When the timer fires (0: no timer). */
  let wakeAt = 0;
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
          await look(due);
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
    if (stopped) return;
    wakeIn((next?.getTime() ?? Number.POSITIVE_INFINITY) - now());
  }

  function wakeIn(ms: number): void {
    const wait = Math.min(POLL_MS, Math.max(MIN_WAIT_MS, ms));
    clearTimeout(timer);
    wakeAt = now() + wait;
    timer = setTimeout(() => {
      wakeAt = 0;
      void wake();
    }, wait);
    timer.unref();
  }

  async function look(p: ClaimedExpiry): Promise<void> {
    const log = deps.log.child({ auditId: p.auditId, directoryLogin: p.login });
    const atEnd = now() >= p.endsAt.getTime();
    const finish = async (outcome: ExpiryOutcome) => {
      const ours = await deps.store.finish(p, outcome, new Date(now()));
      if (!ours) log.warn({ outcome }, 'another process took this watch over (its lease lapsed); left to it');
      log.info({ event: 'password_expiry', outcome }, `temporary password watch ended: ${outcome}`);
      deps.onOutcome?.(outcome, p);
    };
    const later = async (why: string) => {
      log.warn({ why }, 'password watch put off');
      await deps.store.release(p, new Date(now() + RETRY_MS));
    };
    // Not changed yet and not at its end: the next look on the backoff.
    const lookAgain = () => deps.store.release(p, new Date(nextLook(p.setAt.getTime(), now(), p.endsAt.getTime())));
    // The reset is still under way (a short TTL, a slow send): its outcome decides, so look again later.
    if (p.directoryResult === 'setting') return later('the reset is still under way');
    // Another directory than the one that set it (DIRECTORY changed since): not this process's to judge.
    if (p.directoryKind !== deps.directory.kind) return finish('already_undone');
    // Undone since (undelivered, interrupted, scrambled): nothing is live to watch, and the end of validity written
    // with it would only get in the way of the next reset.
    if (p.directoryResult !== 'set') {
      // A scramble still to be retried (or under way): meanwhile the end of validity is what stops the password.
      if (p.directoryResult === 'scramble_failed' || p.directoryResult === 'scrambling') {
        return later('the scramble is not done yet');
      }
      // Until the directory takes it away, the watch stays (a passed end would refuse every later reset).
      if (!(await dropNativeLimit(p, log))) return later('the directory kept its end of validity');
      return finish('already_undone');
    }
    // A newer reset of the account replaced this password: what happens to the account is that reset's watch's to
    // tell (an employee's change would otherwise be reported twice; on Entra the newer set itself looks like one).
    const latest = await deps.audit
      .latestDirectoryWrite(deps.directory.kind, p.accountId)
      .catch(() => ({ id: p.auditId, underway: false }));
    if (latest !== undefined && latest.id !== p.auditId) {
      // Whether it replaced this password is known once its write is: one that fails leaves this one live, and this
      // watch (and its expiry) still in charge of it.
      if (latest.underway) return later('a newer reset of the account is under way');
      await deps.audit
        .moveDirectoryStep(p.auditId, ['set'], { result: 'superseded', detail: 'newer reset' })
        .catch((err: unknown) => log.error({ err }, 'could not record that a newer reset replaced the password'));
      if (!(await dropNativeLimit(p, log))) return later('the directory kept its end of validity');
      return finish('superseded');
    }
    // Without the marker read right after the set, the employee's own change cannot be told from ours: scrambling
    // could destroy the employee's password, so it is left alone and the admin told. Its native end of validity
    // (OpenLDAP) stays: it is what still ends an unused temporary password.
    if (!p.marker) {
      if (!atEnd) return void (await deps.store.release(p, p.endsAt));
      if (!p.expires) return finish('unwatched');
      await deps.notices
        .cannotTell(p)
        .catch((err: unknown) => log.error({ err }, 'could not tell the admin about the expiry'));
      return finish('cannot_tell');
    }
    let change: PasswordChange;
    try {
      change = await deps.directory.passwordChangedSince(p.accountId, p.marker);
    } catch (err) {
      return later(`the directory could not say whether it changed (${asAppError(err).code})`);
    }
    if (change.changed) {
      // The end of validity outlives the employee's own change and would lock their new password out.
      if (!(await dropNativeLimit(p, log))) return later('the directory kept its end of validity');
      return changed(p, change.at, log, finish);
    }
    if (!atEnd) return void (await lookAgain());
    if (!p.expires) return finish('unwatched');
    const result = await deps.compensator.compensate(
      { auditId: p.auditId, kind: deps.directory.kind, accountId: p.accountId },
      'expired',
      ['set'],
      log,
    );
    // Another path moved the row first (the look after it removes the end of validity), or a newer reset's write.
    if (result === undefined) return later('another path moved the reset first');
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
    // A scrambled password needs no end of validity, and a passed one would refuse the next reset: until the
    // directory takes it away, the watch stays open and the next look (the row is scrambled now) tries again.
    if (result === 'scrambled' && !(await dropNativeLimit(p, log))) {
      return later('the directory kept its end of validity after the scramble');
    }
    // The scramble failed: the sweep retries it, and the end of validity (if any) stops the password meanwhile; the
    // watch stays until the scramble is done, then removes it. Nobody is told twice: the row is not `set` any more.
    if (result === 'scramble_failed' && p.validUntil && deps.directory.clearValidUntil) {
      deps.onOutcome?.('expire_failed', p);
      return later('the scramble failed; the sweep retries it');
    }
    await finish(result === 'scrambled' ? 'expired' : 'expire_failed');
  }

  /**
   * Removes the end of validity written with this password (OpenLDAP pwdEndTime), exactly that value: one written
   * since by its owner or a newer reset stays. False when the directory could not do it.
   */
  async function dropNativeLimit(p: ClaimedExpiry, log: Logger): Promise<boolean> {
    const clear = deps.directory.clearValidUntil;
    if (!p.validUntil || !clear) return true;
    try {
      await clear.call(deps.directory, p.accountId, p.validUntil);
      return true;
    } catch (err) {
      log.warn({ errorCode: asAppError(err).code }, 'could not remove the end of validity set with the password');
      return false;
    }
  }

  /** The employee chose their own password: recorded once (the audit's compare-and-set), and the admin told. */
  async function changed(
    p: ClaimedExpiry,
    changedAt: Date | undefined,
    log: Logger,
    finish: (outcome: ExpiryOutcome) => Promise<void>,
  ): Promise<void> {
    const seenAt = new Date(now());
    const moved = await deps.audit
      .moveDirectoryStep(p.auditId, ['set'], { result: 'changed', detail: (changedAt ?? seenAt).toISOString() })
      .catch((err: unknown) => {
        log.error({ err }, "could not record the employee's own change in the audit");
        return true;
      });
    // Another path moved the row first (a scramble of an undelivered text): nothing of ours is live.
    if (!moved) return finish('already_undone');
    const [row, events] = await Promise.all([
      deps.audit.get(p.auditId).catch(() => undefined),
      deps.audit.deliveryEvents([p.auditId]).catch(() => new Map<string, DeliveryEvent[]>()),
    ]);
    const delivered = events.get(p.auditId)?.find((e) => e.status === 'delivered');
    await deps.notices
      .changed({
        password: p,
        seenAt,
        ...(changedAt ? { changedAt } : {}),
        ...(delivered ? { deliveredAt: new Date(delivered.at) } : {}),
        ...(row ? { record: row } : {}),
      })
      .catch((err: unknown) => log.error({ err }, 'could not tell the admin that the employee changed the password'));
    await finish('changed');
  }

  return {
    /**
     * A password the bot set: watched from now, and expired TEMP_PASSWORD_TTL from now unless the employee changes
     * it. `validUntil`: the native end of validity written with it, if any.
     */
    async schedule(p: NewLivePassword, log: Logger): Promise<void> {
      const setAt = now();
      const endsAt = setAt + (deps.ttlMs > 0 ? deps.ttlMs : WATCH_WITHOUT_TTL_MS);
      const dueAt = new Date(nextLook(setAt, setAt, endsAt));
      const row = { ...p, dueAt, setAt: new Date(setAt), endsAt: new Date(endsAt), expires: deps.ttlMs > 0 };
      const waits = deps.scheduleRetryMs ?? SCHEDULE_RETRY_MS;
      // Real time, not `now()` (a test's clock): this bounds how long the reset waits.
      const deadline = performance.now() + (deps.scheduleWithinMs ?? SCHEDULE_WITHIN_MS);
      const timedOut = () => new AppError(ErrorCode.Internal, 'The store did not take the expiry in time');
      for (let attempt = 1; ; attempt++) {
        try {
          await withTimeout(deps.store.schedule(row), Math.max(0, deadline - performance.now()), timedOut);
          break;
        } catch (err) {
          const wait = waits[attempt - 1];
          if (wait === undefined || performance.now() + wait >= deadline) {
            log.error(
              { err, auditId: p.auditId, attempts: attempt },
              'could not schedule the password expiry: the temporary password will not expire on its own',
            );
            return;
          }
          log.warn({ err, auditId: p.auditId, attempt }, 'could not schedule the password expiry; trying again');
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
      // Only a due time before the next wake moves the timer: no store query per reset.
      if (!stopped && (wakeAt === 0 || dueAt.getTime() < wakeAt)) wakeIn(dueAt.getTime() - now());
    },
    /** Runs what fell due while no process was up, then keeps watching (not awaited by the start: a backlog runs on). */
    start(): Promise<void> {
      stopped = false;
      return wake();
    },
    /** No new claims from now on; resolves when the expiry under way (if any) is done, or after `waitMs`. */
    async stop(waitMs = Number.POSITIVE_INFINITY): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      if (!running) return;
      let gaveUp: NodeJS.Timeout | undefined;
      await Promise.race([
        running,
        new Promise<void>((resolve) => {
          gaveUp = setTimeout(resolve, Math.min(waitMs, 2_147_000_000));
        }),
      ]);
      clearTimeout(gaveUp);
    },
  };
}

export type ExpiryScheduler = ReturnType<typeof createExpiryScheduler>;
