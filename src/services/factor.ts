import type { Logger } from 'pino';
import { type AppError, asAppError } from '../errors.js';
import type {
  Directory,
  StoredVerification,
  VerificationAlerts,
  VerificationStore,
  VerificationSubject,
} from '../ports/index.js';
import { endOverdue, moveOn, tellIfStillExpired } from './overdue.js';
import { lockRefusal, newVerification } from './verification-common.js';

/** The directory's kind is the factor's own directory's, whatever the request says. */
export type FactorRequest = Omit<VerificationSubject, 'directoryKind'>;

export type FactorResult =
  | { readonly status: 'approved'; readonly at: Date; readonly factor?: string }
  | { readonly status: 'rejected' | 'withdrawn' }
  | { readonly status: 'unavailable'; readonly why: 'no_factor' | 'timed_out' }
  | { readonly status: 'refused'; readonly error: AppError };

/**
 * Verifying the employee by the directory's own factor (VERIFY_EMPLOYEE, method directory_factor): a push to a device
 * the employee enrolled with the directory (Okta Verify), which proves possession of that device rather than of a
 * phone number. Recorded in the store like the other methods (used once by the reset, locked by a refusal); the push
 * is awaited in the process that sent it, and abandoned (not approved) if the admin withdraws or it times out.
 */
export function createFactorVerification(deps: {
  readonly store: VerificationStore;
  readonly directory: Directory;
  readonly alerts: VerificationAlerts;
  /** How long the employee has to answer the push (VERIFY_APPROVAL_TTL). */
  readonly ttlMs: number;
  readonly lockMs: number;
  readonly onResult?: (result: string) => void;
  readonly now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const waiting = new Map<string, AbortController>();
  const count = (result: string) => deps.onResult?.(result);

  return {
    /** Where the directory has such a factor at all (Okta): otherwise the method is not offered. */
    available: Boolean(deps.directory.pushToEnrolledFactor),

    async push(request: FactorRequest, log: Logger): Promise<FactorResult> {
      const at = new Date(now());
      const push = deps.directory.pushToEnrolledFactor?.bind(deps.directory);
      if (!push) return { status: 'unavailable', why: 'no_factor' };
      const locked = await lockRefusal(deps.store, deps.directory.kind, request.accountId, at);
      if (locked) return { status: 'refused', error: locked };
      const subject = { ...request, directoryKind: deps.directory.kind };
      const expiresAt = new Date(at.getTime() + deps.ttlMs);
      await deps.store.create(newVerification(subject, 'directory_factor', '', expiresAt), at);
      const abort = new AbortController();
      waiting.set(request.id, abort);
      let outcome: Awaited<ReturnType<NonNullable<Directory['pushToEnrolledFactor']>>>;
      try {
        outcome = await push(request.accountId, { timeoutMs: deps.ttlMs, signal: abort.signal });
      } catch (err) {
        await deps.store.end(request.id, 'failed', new Date(now()));
        if (abort.signal.aborted) return { status: 'withdrawn' };
        return { status: 'refused', error: asAppError(err) };
      } finally {
        waiting.delete(request.id);
      }
      log.info({ event: 'verification', method: 'directory_factor', result: outcome.result }, 'factor push answered');
      if (outcome.result === 'no_factor' || outcome.result === 'timed_out') {
        await deps.store.end(request.id, outcome.result === 'timed_out' ? 'expired' : 'failed', new Date(now()));
        count(outcome.result);
        return { status: 'unavailable', why: outcome.result };
      }
      const settledAt = new Date(now());
      const approved = outcome.result === 'approved';
      const row = await deps.store.settle(request.id, approved, settledAt, new Date(settledAt.getTime() + deps.lockMs));
      // Withdrawn meanwhile (the admin chose a code): the push's answer counts for nothing.
      if (!row) return { status: 'withdrawn' };
      count(approved ? 'approved' : 'rejected');
      if (!approved) {
        await deps.alerts
          .declined({ adminUserId: request.adminUserId, employeeCode: request.employeeCode })
          .catch((err: unknown) => log.error({ err }, 'could not alert security about the refused push'));
        return { status: 'rejected' };
      }
      return { status: 'approved', at: settledAt, ...(outcome.factor ? { factor: outcome.factor } : {}) };
    },

    /** The admin chose a code instead, or closed the modal: the push is abandoned. False if it was answered. */
    async withdraw(id: string, adminUserId: string): Promise<boolean> {
      const row = await deps.store.get(id);
      if (!row || row.adminUserId !== adminUserId || row.method !== 'directory_factor') return false;
      waiting.get(id)?.abort();
      return (await moveOn(deps.store, id, new Date(now()))) !== 'answered';
    },

    /**
     * Pushes whose process ended while it waited for the answer (a restart, a crash): once their time is up they end
     * `expired`, on any replica, once each, and `onExpired` tells the admin's modal. Pushes this process waits
     * for are its own to end.
     */
    expireOverdue(onExpired: (verification: StoredVerification) => Promise<void>, log: Logger): Promise<number> {
      return endOverdue({
        store: deps.store,
        method: 'directory_factor',
        ttlMs: deps.ttlMs,
        at: new Date(now()),
        ownedHere: (id) => waiting.has(id),
        ended: async (row) => {
          count('timed_out');
          await tellIfStillExpired(deps.store, row, onExpired);
        },
        log,
      });
    },

    stop(): void {
      for (const abort of waiting.values()) abort.abort();
      waiting.clear();
    },
  };
}

export type FactorVerification = ReturnType<typeof createFactorVerification>;
