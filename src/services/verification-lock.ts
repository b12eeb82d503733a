import { AppError, ErrorCode } from '../errors.js';
import type { VerificationStore } from '../ports/index.js';

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
