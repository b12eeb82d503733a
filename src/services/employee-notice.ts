import type { Logger } from 'pino';
import type { AuditStore, EmployeeNoticeResult, EmployeeNotices, PasswordSent } from '../ports/index.js';

export interface EmployeeNoticeDeps {
  /** Absent with NOTIFY_EMPLOYEE=off: the reset is audited `off` and nobody is asked. */
  readonly notices?: EmployeeNotices;
  readonly audit: AuditStore;
  /** TEMP_PASSWORD_TTL, so the employee is told until when the password works; 0: it does not expire. */
  readonly ttlMs: number;
  /** Keeps the notice in the work a shutdown waits for. */
  readonly track: (work: Promise<void>) => unknown;
  /** Hears each notice's result (the metrics). */
  readonly onResult?: (result: EmployeeNoticeResult) => void;
}

const NOT_TOLD: Readonly<Record<Exclude<EmployeeNoticeResult, 'sent' | 'off'>, string>> = {
  no_email: 'employee not told of the reset: the directory holds no email for the account',
  not_in_slack: 'employee not told of the reset: no Slack user has the email on record',
  missing_scope:
    'employee not told of the reset: the Slack app lacks a scope (users:read.email, im:write); reinstall it from manifest.yml',
  failed: 'employee not told of the reset: Slack did not take the DM',
};

/** Lets the admin's answer, whose requests start as the reset returns, leave before the notice's. */
const afterTheAnswer = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The employee hears of a reset from the bot (NOTIFY_EMPLOYEE): started once the reset is over and never awaited by
 * it, so it costs the admin's answer and the text nothing. Whatever becomes of it is one log line and the audit's
 * `employee_notice`; it is never an error for the admin.
 */
export function createEmployeeNotice(deps: EmployeeNoticeDeps) {
  return function passwordSent(sent: PasswordSent, log: Logger): void {
    deps.track(tell(sent, log));
  };

  async function tell(sent: PasswordSent, log: Logger): Promise<void> {
    await afterTheAnswer();
    const { result, detail } = await deliver(sent).catch((err: unknown) => ({
      result: 'failed' as const,
      detail: err instanceof Error ? err.message : String(err),
    }));
    const fields = { event: 'employee_notice', auditId: sent.auditId, result, ...(detail ? { detail } : {}) };
    if (result === 'sent') log.info(fields, 'employee told of the reset by DM');
    else if (result === 'off') log.debug(fields, 'employee not told of the reset (NOTIFY_EMPLOYEE=off)');
    else log.warn(fields, NOT_TOLD[result]);
    deps.onResult?.(result);
    await deps.audit
      .recordEmployeeNotice(sent.auditId, result)
      .catch((err: unknown) => log.error({ err, auditId: sent.auditId }, 'could not record the employee notice'));
  }

  async function deliver(sent: PasswordSent): Promise<{ result: EmployeeNoticeResult; detail?: string }> {
    if (!deps.notices) return { result: 'off' };
    if (!sent.email) return { result: 'no_email' };
    return deps.notices.passwordReset({
      email: sent.email,
      adminUserId: sent.adminUserId,
      maskedPhone: sent.maskedPhone,
      setAt: sent.setAt,
      text: sent.text,
      ...(deps.ttlMs > 0 ? { expiresAt: new Date(sent.setAt.getTime() + deps.ttlMs) } : {}),
    });
  }
}

export type EmployeeNoticeHook = ReturnType<typeof createEmployeeNotice>;
