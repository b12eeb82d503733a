import { auditResultOf, checkEligible, type Employee } from '../domain/employee.js';
import type { NumberRules } from '../domain/phone.js';
import { AppError, asAppError, ErrorCode } from '../errors.js';
import type {
  Directory,
  DirectoryAccount,
  RateLimiter,
  RateLimitSubject,
  SubmissionLedger,
  VerificationProof,
} from '../ports/index.js';
import type { ResetTarget } from './reset-request.js';
import { lockedError } from './verification-common.js';

export interface GateRequest {
  readonly requestId: string;
  readonly teamId?: string;
  readonly adminUserId: string;
  readonly target: ResetTarget;
  readonly submissionId?: string;
  readonly verification?: VerificationProof;
}

export type Gate =
  | { readonly kind: 'duplicate' }
  | {
      readonly kind: 'stop';
      readonly status: 'refused' | 'invalid' | 'rate_limited';
      readonly error: AppError;
      readonly employee?: Partial<Employee>;
      readonly account?: DirectoryAccount;
    }
  | {
      readonly kind: 'go';
      readonly employee: Employee;
      readonly account?: DirectoryAccount;
      readonly subject: RateLimitSubject;
    };

/**
 * Everything a reset must pass besides the admin check, in order: the form is processed once (claimed by its
 * `view.id`), the employee is who the admin confirmed and may be reset, and the reset fits the rate limits.
 * Fails closed: a store or directory that cannot answer is a refusal.
 */
export function createResetGate(deps: {
  readonly submissions: SubmissionLedger;
  readonly limits: RateLimiter;
  readonly directory?: Directory;
  readonly numbers: NumberRules;
  /**
   * VERIFY_EMPLOYEE: a verification the request names must be a passed one of this modal and account, and is used up
   * here (one reset per verification); with `required`, a request without one is refused.
   */
  readonly verification?: {
    readonly required: boolean;
    consume(id: string, viewId: string, accountId: string): Promise<boolean>;
    /** Until when verification (and so any reset) of this account is locked, if it is now. */
    lockedUntil(accountId: string): Promise<Date | undefined>;
  };
}) {
  return async function admit(request: GateRequest): Promise<Gate> {
    if (request.submissionId) {
      try {
        if (!(await deps.submissions.claim(request.submissionId, request.requestId))) return { kind: 'duplicate' };
      } catch (err) {
        const details = { errorName: err instanceof Error ? err.name : typeof err };
        const error = new AppError(ErrorCode.AuditUnavailable, 'Could not claim the submission', details);
        return { kind: 'stop', status: 'refused', error };
      }
    }
    const resolved = await resolve(request.target);
    if (resolved.kind === 'stop') return resolved;
    const { employee, account } = resolved;
    const locked = await checkLock(account);
    if (locked) return { ...locked, employee, ...(account ? { account } : {}) };
    const subject: RateLimitSubject = {
      ...(request.teamId ? { teamId: request.teamId } : {}),
      adminUserId: request.adminUserId,
      employeeCode: employee.code,
      ...(account ? { accountId: account.id } : {}),
      phoneE164: employee.phoneE164,
    };
    const limited = await checkLimits(subject);
    if (limited) return { ...limited, employee, ...(account ? { account } : {}) };
    // Used up only once the reset may go ahead: a limit reached keeps the employee's verification for a retry.
    const unverified = await checkVerification(request, account);
    if (unverified) {
      await deps.limits.refund(subject).catch(() => undefined);
      return { ...unverified, employee, ...(account ? { account } : {}) };
    }
    return { kind: 'go', employee, subject, ...(account ? { account } : {}) };
  };

  async function resolve(
    target: ResetTarget,
  ): Promise<Extract<Gate, { kind: 'stop' }> | { kind: 'ok'; employee: Employee; account?: DirectoryAccount }> {
    if (target.kind === 'typed') return { kind: 'ok', employee: target.employee };
    const stop = (status: 'refused' | 'invalid', error: AppError, account?: DirectoryAccount) => ({
      kind: 'stop' as const,
      status,
      error,
      employee: { code: target.code, ...(account ? { name: account.displayName } : {}) },
      ...(account ? { account } : {}),
    });
    if (!deps.directory) {
      return stop('refused', new AppError(ErrorCode.Internal, 'A directory reset without a directory'));
    }
    let eligibility: ReturnType<typeof checkEligible>;
    try {
      eligibility = checkEligible(await deps.directory.findByEmployeeCode(target.code), target.code, deps.numbers);
    } catch (err) {
      return stop('refused', asAppError(err));
    }
    if (!eligibility.ok) return stop(auditResultOf(eligibility.error), eligibility.error, eligibility.account);
    const { employee } = eligibility;
    if (employee.account.id !== target.accountId) {
      const error = new AppError(
        ErrorCode.EmployeeChanged,
        'The code now leads to another entry than the one confirmed',
        { changed: 'entry' },
      );
      return stop('refused', error, employee.account);
    }
    if (employee.phoneE164 !== target.phoneE164) {
      // Text only the number the admin saw and confirmed: a record changed in between (or a confirmation that
      // kept no number) is a new decision for the admin, not the bot's.
      const error = new AppError(ErrorCode.EmployeeChanged, 'The number on record is not the one confirmed', {
        changed: target.phoneE164 === undefined ? 'number_not_kept' : 'number',
      });
      return stop('refused', error, employee.account);
    }
    return { kind: 'ok', employee, account: employee.account };
  }

  /**
   * Three wrong codes, or the employee's "No", lock the account for VERIFY_LOCK_MINUTES: no reset at all, whatever
   * the method (a skip, a code already out in another modal). Fails closed.
   */
  async function checkLock(account: DirectoryAccount | undefined) {
    const v = deps.verification;
    if (!v || !account) return undefined;
    const until = await v.lockedUntil(account.id).catch(() => new Date(8.64e15));
    if (!until) return undefined;
    return { kind: 'stop' as const, status: 'refused' as const, error: lockedError(until) };
  }

  /** Fails closed: a verification the store cannot vouch for is no verification. */
  async function checkVerification(request: GateRequest, account: DirectoryAccount | undefined) {
    const v = deps.verification;
    if (!v || !account) return undefined;
    const proof = request.verification;
    const stop = (error: AppError) => ({ kind: 'stop' as const, status: 'refused' as const, error });
    if (proof?.id) {
      const used = await v.consume(proof.id, request.submissionId ?? '', account.id).catch(() => false);
      if (!used) return stop(new AppError(ErrorCode.VerificationExpired, 'The verification cannot be used'));
      return undefined;
    }
    if (v.required) {
      const method = proof?.method ?? 'none';
      return stop(new AppError(ErrorCode.VerificationRequired, 'No passed verification', { method }));
    }
    return undefined;
  }

  async function checkLimits(subject: RateLimitSubject) {
    try {
      const decision = await deps.limits.take(subject);
      if (decision.allowed) return undefined;
      const { limit, max, windowSeconds, retryAt } = decision;
      const details = { limit, max, windowSeconds, retryAt: Math.ceil(retryAt.getTime() / 1000) };
      const error = new AppError(ErrorCode.RateLimited, 'Rate limit reached', details);
      return { kind: 'stop' as const, status: 'rate_limited' as const, error };
    } catch (err) {
      // Fail closed: counters that cannot be read are no permission to send.
      const error = asAppError(err);
      return {
        kind: 'stop' as const,
        status: 'refused' as const,
        error:
          error.code === ErrorCode.RateLimitUnavailable
            ? error
            : new AppError(ErrorCode.RateLimitUnavailable, 'Rate limit check failed', error.details),
      };
    }
  }
}
