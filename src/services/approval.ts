import type { Logger } from 'pino';
import type { AppError } from '../errors.js';
import type {
  EmployeeApprovals,
  StoredVerification,
  VerificationAlerts,
  VerificationStore,
  VerificationSubject,
} from '../ports/index.js';
import { endOverdue, moveOn, tellIfStillExpired } from './overdue.js';
import { lockRefusal, newVerification } from './verification-common.js';

/** Whom an approval asks: the account confirmed in the modal, found in Slack by its email. */
export interface ApprovalRequest extends VerificationSubject {
  /** The email the directory holds (undefined: none, so nobody to ask). */
  readonly email: string | undefined;
  /** The directory could not be asked for that email (so `email` is undefined for another reason than none). */
  readonly emailLookupFailed?: boolean;
  readonly reason?: string;
}

export type ApprovalAsked =
  | { readonly status: 'asked' }
  | { readonly status: 'unavailable'; readonly why: string }
  | { readonly status: 'refused'; readonly error: AppError };

export type ApprovalAnswer =
  | { readonly status: 'approved' | 'declined'; readonly verification: StoredVerification; readonly at: Date }
  | { readonly status: 'ignored' };

/**
 * Verifying the employee by their own approval in Slack (VERIFY_EMPLOYEE): the bot DMs the employee's own account
 * (found by the directory's email) who is asking and why, with "Yes, I asked for this" / "No, I did not". Only that
 * Slack user's click counts, each question is answered once (a compare-and-set in the store, so any replica can take
 * the click), and the buttons are replaced by the answer. "No" stops the reset and alerts security. An unanswered
 * question expires after VERIFY_APPROVAL_TTL; then, or when the employee cannot be asked, the admin is offered the
 * code instead. The expiry's timer lives in the process that asked (a restart leaves the question to run out in the
 * store, where a late click is refused).
 */
export function createApproval(deps: {
  readonly store: VerificationStore;
  readonly approvals: EmployeeApprovals;
  readonly alerts: VerificationAlerts;
  readonly ttlMs: number;
  /** VERIFY_LOCK_MINUTES: a "No" locks the account as three wrong codes do (no reset, no new question). */
  readonly lockMs: number;
  readonly log: Logger;
  /** Hears each result (the metrics): asked, unavailable, approved, declined, expired. */
  readonly onResult?: (result: string) => void;
  readonly now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const timers = new Map<string, NodeJS.Timeout>();
  const count = (result: string) => deps.onResult?.(result);
  const forget = (id: string) => {
    clearTimeout(timers.get(id));
    timers.delete(id);
  };
  /**
   * The admin's modal is told (tellIfStillExpired) before the DM is settled, so the window between the check and the
   * update stays short.
   */
  const tellIfStill = (row: StoredVerification, tell: (row: StoredVerification) => Promise<void>) =>
    tellIfStillExpired(deps.store, row, tell);
  const settle = async (row: StoredVerification, outcome: 'approved' | 'declined' | 'expired' | 'withdrawn') => {
    if (!row.dm) return;
    await deps.approvals
      .settle(row.dm, outcome)
      .catch((err: unknown) => deps.log.warn({ err }, 'could not replace the approval question with its answer'));
  };

  return {
    /**
     * Asks the employee; `onExpired` is told if nobody answers in time (the admin's modal then offers a code).
     * Nothing is changed in the directory on this path.
     */
    async ask(
      request: ApprovalRequest,
      log: Logger,
      onExpired: (verification: StoredVerification) => Promise<void>,
    ): Promise<ApprovalAsked> {
      const at = new Date(now());
      const locked = await lockRefusal(deps.store, request.directoryKind, request.accountId, at);
      if (locked) return { status: 'refused', error: locked };
      if (!request.email) {
        count('unavailable');
        return { status: 'unavailable', why: request.emailLookupFailed ? 'directory_unavailable' : 'no_email' };
      }
      const expiresAt = new Date(at.getTime() + deps.ttlMs);
      await deps.store.create(newVerification(request, 'slack_approval', '', expiresAt), at);
      const asked = await deps.approvals.ask({
        verificationId: request.id,
        email: request.email,
        adminUserId: request.adminUserId,
        employeeCode: request.employeeCode,
        ...(request.reason ? { reason: request.reason } : {}),
        expiresAt,
      });
      if (!asked.asked) {
        await deps.store.end(request.id, 'failed', new Date(now()));
        log.info({ event: 'verification', method: 'slack_approval', why: asked.why }, 'the employee cannot be asked');
        count('unavailable');
        return { status: 'unavailable', why: asked.why };
      }
      await deps.store.setApprovalMessage(request.id, asked.userId, asked.dm);
      log.info({ event: 'verification', method: 'slack_approval', verificationId: request.id }, 'employee asked');
      count('asked');
      const timer = setTimeout(() => {
        timers.delete(request.id);
        void (async () => {
          if (!(await deps.store.end(request.id, 'expired', new Date(now())))) return;
          const row = await deps.store.get(request.id);
          if (!row) return;
          count('expired');
          await tellIfStill(row, onExpired);
          await settle(row, 'expired');
        })().catch((err: unknown) => log.error({ err }, 'could not end an unanswered approval'));
      }, deps.ttlMs);
      timer.unref();
      timers.set(request.id, timer);
      return { status: 'asked' };
    },

    /** A click on one of the question's buttons: counts only from the employee asked, once, in time. */
    async answer(id: string, slackUserId: string, approved: boolean, log: Logger): Promise<ApprovalAnswer> {
      const at = new Date(now());
      // A "Yes" to an account locked since (another modal's wrong codes, another "No") does not count.
      const asked = approved ? await deps.store.get(id) : undefined;
      if (asked && (await deps.store.lockedUntil(asked.directoryKind, asked.accountId, at))) {
        await deps.store.end(id, 'failed', at);
        log.warn(
          { event: 'verification', method: 'slack_approval', verificationId: id },
          'approval of a locked account',
        );
        return { status: 'ignored' };
      }
      const row = await deps.store.answer(id, slackUserId, approved, at, new Date(at.getTime() + deps.lockMs));
      if (!row) {
        log.info({ event: 'verification', method: 'slack_approval', verificationId: id }, 'approval click ignored');
        return { status: 'ignored' };
      }
      forget(id);
      count(approved ? 'approved' : 'declined');
      await settle(row, approved ? 'approved' : 'declined');
      if (!approved) {
        await deps.alerts
          .declined({ adminUserId: row.adminUserId, employeeCode: row.employeeCode })
          .catch((err: unknown) => log.error({ err }, 'could not alert security about the declined reset'));
      }
      return { status: approved ? 'approved' : 'declined', verification: row, at };
    },

    /**
     * The admin chose a code instead, or closed the modal: the question is closed (its buttons say so). False when
     * it was not open any more (the employee answered first) or is not this admin's.
     */
    async withdraw(id: string, adminUserId: string): Promise<boolean> {
      const row = await deps.store.get(id);
      if (!row || row.adminUserId !== adminUserId) return false;
      forget(id);
      const moved = await moveOn(deps.store, id, new Date(now()));
      if (moved === 'withdrawn') await settle(row, 'withdrawn');
      return moved !== 'answered';
    },

    /**
     * Questions whose process ended before their answer or their expiry (a restart, a crash): on any replica, once
     * each (the store's compare-and-set), they end `expired` as the timer would have ended them: the buttons are
     * replaced, and `onExpired` tells the admin's modal. Those whose timer runs here, and those just past their
     * expiry (the timer's own moment), are left to the timer.
     */
    expireOverdue(onExpired: (verification: StoredVerification) => Promise<void>, log: Logger): Promise<number> {
      return endOverdue({
        store: deps.store,
        method: 'slack_approval',
        ttlMs: deps.ttlMs,
        at: new Date(now()),
        ownedHere: (id) => timers.has(id),
        ended: async (row) => {
          count('expired');
          await tellIfStill(row, onExpired);
          await settle(row, 'expired');
        },
        log,
      });
    },

    stop(): void {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}

export type Approval = ReturnType<typeof createApproval>;
