import type { Logger } from 'pino';
import { asAppError } from '../errors.js';
import type { AuditStore, Directory, DirectoryKind, DirectoryResult } from '../ports/index.js';

/** Which password write a compensation is about. */
export interface CompensationTarget {
  readonly auditId: string;
  readonly kind: DirectoryKind;
  readonly accountId: string;
}

/** How often a compensation looks whether a newer reset still writing has finished. */
const NEWER_POLL_MS = 100;

export type CompensationResult = Extract<DirectoryResult, 'scrambled' | 'scramble_failed' | 'superseded'>;

/**
 * A password that did not reach the employee must not stay valid: it is replaced by a random one nobody is told
 * (a scramble). Unless a later reset of the same account has written a password since, which the scramble would
 * destroy: then this one is already gone, and the compensation is `superseded`.
 */
export function createCompensator(deps: {
  directory: Directory;
  audit: AuditStore;
  log: Logger;
  /** Hears every result (the metrics). */
  onResult?: (result: CompensationResult) => void;
  /**
   * How long to wait for a newer reset of the account that is still writing its password: whether it replaced this
   * one is known only once its write is (one that fails leaves this password live, and it must be scrambled).
   */
  waitForNewerMs?: number;
}) {
  const waitForNewerMs = deps.waitForNewerMs ?? 15_000;
  async function scramble(target: CompensationTarget, why: string, log: Logger): Promise<CompensationResult> {
    const result = await attempt(target, why, log);
    deps.onResult?.(result);
    return result;
  }

  async function attempt(target: CompensationTarget, why: string, log: Logger): Promise<CompensationResult> {
    const newest = () => deps.audit.latestDirectoryWrite(target.kind, target.accountId).catch(() => undefined);
    let latest = await newest();
    for (let waited = 0; latest?.underway && latest.id !== target.auditId && waited < waitForNewerMs; ) {
      await new Promise((resolve) => setTimeout(resolve, NEWER_POLL_MS));
      waited += NEWER_POLL_MS;
      latest = await newest();
    }
    if (latest?.underway && latest.id !== target.auditId) {
      // Neither scrambled (it could destroy the newer password) nor given up: the sweep tries again later.
      log.warn(
        { auditId: target.auditId, newerAuditId: latest.id, why },
        'scramble put off: a later reset of the account is still writing its password',
      );
      return 'scramble_failed';
    }
    if (latest !== undefined && latest.id !== target.auditId) {
      log.info(
        { auditId: target.auditId, newerAuditId: latest.id, why },
        'scramble skipped: a later reset replaced this password',
      );
      return 'superseded';
    }
    try {
      await deps.directory.scramble(target.accountId);
      log.warn({ auditId: target.auditId, why }, 'temporary password scrambled');
      return 'scrambled';
    } catch (err) {
      const error = asAppError(err);
      log.error(
        { auditId: target.auditId, why, errorCode: error.code, errorDetails: error.details },
        'could not scramble a temporary password: it is still valid',
      );
      return 'scramble_failed';
    }
  }

  return {
    /** Scrambles now; the caller records the result (the reset flow writes it with the row's outcome). */
    scramble,

    /**
     * Scrambles a row that is already finished (undelivered text, interrupted send, failed scramble retried) whose
     * directory step is one of `from`, and records the result. Returns undefined, and touches nothing, when the step
     * is not (another replica, or the employee's own change, got there first).
     */
    async compensate(
      target: CompensationTarget,
      why: string,
      from: readonly DirectoryResult[],
      log: Logger = deps.log,
    ): Promise<CompensationResult | undefined> {
      // The row is claimed before the directory is touched: a path that moved it since (the employee's own change
      // seen by the watch, another replica's scramble) keeps the password as it is. If the audit cannot be written,
      // the scramble goes ahead: a password nobody can vouch for must not stay valid.
      const claimed = await deps.audit
        .moveDirectoryStep(target.auditId, from, { result: 'scrambling', detail: why })
        .catch((err: unknown) => {
          log.error({ err, auditId: target.auditId }, 'could not claim the scramble in the audit; scrambling anyway');
          return 'unrecorded' as const;
        });
      if (claimed === false) return undefined;
      const result = await scramble(target, why, log);
      const recordFrom: DirectoryResult[] = claimed === true ? ['scrambling'] : [...from];
      await deps.audit.moveDirectoryStep(target.auditId, recordFrom, { result, detail: why }).catch((err: unknown) => {
        log.error({ err, auditId: target.auditId }, 'could not record the scramble in the audit');
      });
      return result;
    },
  };
}

export type Compensator = ReturnType<typeof createCompensator>;
