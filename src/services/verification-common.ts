import { AppError, ErrorCode } from '../errors.js';
import type { NewVerification, VerificationStore, VerificationSubject } from '../ports/index.js';

// What the three ways of verifying the employee (a code, an approval, a push) share: the lock and the first row.

/**
 * Three wrong codes, the employee's "No" or a refused push lock the employee for VERIFY_LOCK_MINUTES. Every path
 * that asks the employee (a code, an approval, a push), and the reset itself, refuses in the same words.
 */
export function lockedError(until: Date): AppError {
  return new AppError(ErrorCode.VerificationLocked, 'Verification is locked for this employee', {
    until: until.toISOString(),
  });
}

/** The refusal to give if the account is locked at `at`; undefined if it is not. */
export async function lockRefusal(
  store: Pick<VerificationStore, 'lockedUntil'>,
  directoryKind: string,
  accountId: string,
  at: Date,
): Promise<AppError | undefined> {
  const until = await store.lockedUntil(directoryKind, accountId, at);
  return until ? lockedError(until) : undefined;
}

/** The row a verification starts as (pending): the subject's own fields, whatever else its request carries. */
export function newVerification(
  s: VerificationSubject,
  method: NewVerification['method'],
  codeHash: string,
  expiresAt: Date,
): NewVerification {
  return {
    id: s.id,
    viewId: s.viewId,
    ...(s.teamId ? { teamId: s.teamId } : {}),
    adminUserId: s.adminUserId,
    directoryKind: s.directoryKind,
    accountId: s.accountId,
    employeeCode: s.employeeCode,
    method,
    codeHash,
    expiresAt,
  };
}
