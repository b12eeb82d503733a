import type { Logger } from 'pino';
import { auditResultOf, checkEligible, type DirectoryEmployee } from '../domain/employee.js';
import type { NumberRules } from '../domain/phone.js';
import { AppError, asAppError, ErrorCode } from '../errors.js';
import { withTimeout } from '../lib/with-timeout.js';
import type { AdminDirectory, AuditEntry, AuditOutcome, AuditStore, Directory } from '../ports/index.js';
import { adminRefusal } from './admin-check.js';
import { type Announcer, summaryOf } from './announcer.js';

export interface LookupRequest {
  readonly requestId: string;
  readonly teamId?: string;
  readonly adminUserId: string;
  readonly code: string;
  readonly reason?: string;
}

export type LookupOutcome =
  | { readonly status: 'found'; readonly employee: DirectoryEmployee }
  /** The code leads to no account fit for a reset; the form stays open with this under the code field. */
  | { readonly status: 'invalid' | 'refused'; readonly error: AppError; readonly field: boolean };

/** Longest a lookup may take: the answer must reach Slack within its 3-second window for modal submissions. */
export const LOOKUP_BUDGET_MS = 2500;

/**
 * The first step with a directory: who is behind this employee code, and may the bot reset them? Read-only.
 * Anything that stops here is audited (invalid or refused, with the reason); a match is not, because the
 * confirmation step records the reset itself.
 */
export function createLookupEmployee(deps: {
  readonly admins: AdminDirectory;
  readonly directory: Directory;
  readonly audit: AuditStore;
  readonly announcer: Announcer;
  readonly numbers: NumberRules;
  readonly budgetMs?: number;
}) {
  const budgetMs = deps.budgetMs ?? LOOKUP_BUDGET_MS;

  return async function lookupEmployee(request: LookupRequest, log: Logger): Promise<LookupOutcome> {
    // The cached admin check is enough to read the directory; the reset itself checks fresh.
    const [refusal, found] = await Promise.all([
      adminRefusal(deps.admins, request.adminUserId),
      withTimeout(deps.directory.findByEmployeeCode(request.code), budgetMs, lookupTooSlow).then(
        (lookup) => checkEligible(lookup, request.code, deps.numbers),
        (err: unknown) => ({ ok: false as const, error: asAppError(err), account: undefined }),
      ),
    ]);
    if (refusal) return stop(request, 'refused', refusal, false, undefined, log);
    if (found.ok) {
      log.info(
        { directoryLogin: found.employee.account.login, locked: found.employee.account.locked },
        'employee found',
      );
      return { status: 'found', employee: found.employee };
    }
    const unavailable = found.error.code === ErrorCode.DirectoryUnavailable;
    const result = unavailable ? 'refused' : auditResultOf(found.error);
    return stop(request, result, found.error, !unavailable, found.account, log);
  };

  async function stop(
    request: LookupRequest,
    status: 'invalid' | 'refused',
    error: AppError,
    field: boolean,
    account: { id: string; login: string; displayName: string } | undefined,
    log: Logger,
  ): Promise<LookupOutcome> {
    const entry: AuditEntry = {
      requestId: request.requestId,
      ...(request.teamId ? { teamId: request.teamId } : {}),
      adminUserId: request.adminUserId,
      employee: { code: request.code, ...(account ? { name: account.displayName } : {}) },
      ...(request.reason ? { reason: request.reason } : {}),
      ...(account ? { directory: { kind: deps.directory.kind, accountId: account.id, login: account.login } } : {}),
    };
    const outcome: AuditOutcome = { result: status, errorCode: error.code };
    log.warn(
      {
        event: 'lookup_outcome',
        outcome: status,
        errorCode: error.code,
        errorDetails: error.details,
        employeeCode: request.code,
      },
      'employee lookup stopped the reset',
    );
    await deps.audit.record(entry, outcome).catch((err: unknown) => log.error({ err }, 'audit write failed'));
    // Attempts on protected or disabled accounts are worth a look in the audit channel; typos are not. Not awaited:
    // the admin's answer is an ack on Slack's 3 s clock (a directory that used its whole budget leaves little), and
    // the announcement never fails (the announcer logs what it cannot post).
    if (status === 'refused') void deps.announcer.announce(summaryOf(entry, outcome), log);
    return { status, error, field };
  }
}

const lookupTooSlow = () =>
  new AppError(ErrorCode.DirectoryUnavailable, 'The directory lookup took too long', { reason: 'timeout' });

export type LookupEmployee = ReturnType<typeof createLookupEmployee>;
