import type { Logger } from 'pino';
import type { Employee } from '../domain/employee.js';
import type { DirectoryStepOutcome, RecordedOutcome, SessionRevocation } from '../domain/outcome.js';
import type { PasswordGenerator } from '../domain/password.js';
import { composeSmsText } from '../domain/sms-text.js';
import { asAppError, ErrorCode } from '../errors.js';
import type { Directory, DirectoryAccount, NewLivePassword, SmsSender } from '../ports/index.js';
import type { Compensator } from './compensation.js';

/**
 * Lets I/O already started (the admin check's request, the text's request) leave before the work that follows it:
 * a setImmediate runs after the requests just written have gone out, one turn of the event loop later.
 */
export const afterPendingIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What every outcome of a reset says of the employee: the name and the masked number. */
export interface ResetBase {
  readonly employeeName: string;
  readonly maskedPhone: string;
}

/** One reset that passed every check and has its audit row (`sending`). */
export interface SetAndSendJob {
  readonly auditId: string;
  readonly employee: Employee;
  readonly account: DirectoryAccount | undefined;
  readonly base: ResetBase;
  readonly adminUserId: string;
  /** The directory's own end of validity to ask for, and the bot's earlier one it may replace. */
  readonly limit: { validForMs: number; replaces: Promise<string | undefined> | undefined } | undefined;
  /** Work started here that the reset must wait for before it is over (the expiry's row). */
  readonly pending: Promise<unknown>[];
}

export interface SetAndSendDeps {
  readonly directory?: Directory;
  readonly compensator?: Compensator;
  readonly revokeSessions?: boolean;
  readonly onPasswordSet?: (password: NewLivePassword, log: Logger) => Promise<void>;
  readonly passwords: PasswordGenerator;
  readonly sms: SmsSender;
  readonly now: () => number;
}

/**
 * The part of a reset that holds the password (src/services/reset-password.ts runs everything around it): it is
 * generated here, written to the directory and handed to the SMS provider, never returned, stored or logged; a
 * password that did not reach the employee is scrambled.
 */
export function createSetAndSend(deps: SetAndSendDeps) {
  const { now } = deps;
  return setAndSend;

  /** generate → set → send → compensate. The only function that ever holds the password. */
  async function setAndSend(job: SetAndSendJob, log: Logger): Promise<RecordedOutcome> {
    const { auditId, employee, account, base, adminUserId, limit, pending } = job;
    const { directory } = deps;
    const step = (result: DirectoryStepOutcome['result'], extra: Partial<DirectoryStepOutcome> = {}) =>
      account && directory ? { directory: { label: directory.label, login: account.login, result, ...extra } } : {};
    let password: string;
    try {
      password = deps.passwords.generate({ employeeName: employee.name, employeeCode: employee.code });
    } catch (err) {
      // Nothing reached the directory or the provider, so this is a plain failure.
      const error = asAppError(err);
      return { ...base, ...step('failed', { error }), status: 'failed', error };
    }
    let set: DirectoryStepOutcome | undefined;
    let marker: Promise<string> | undefined;
    let signedOut: Promise<SessionRevocation | undefined> | undefined;
    if (account && directory) {
      try {
        const replaces = await limit?.replaces;
        const receipt = await directory.setTemporaryPassword(
          account,
          password,
          limit ? { validUntil: new Date(now() + limit.validForMs), ...(replaces ? { replaces } : {}) } : undefined,
        );
        set = { label: directory.label, login: account.login, result: 'set', unlocked: receipt.unlocked };
        if (limit && !receipt.validUntil) {
          log.info(
            'the directory took no end of validity with the password (the account has one of its own, or the bot may not write it): the bot’s own expiry ends it',
          );
        }
        marker = receipt.marker;
        // What follows the set starts once the text's request is on its way (both are awaited before the row is
        // finished): whoever held the old password is signed out, best effort, recorded either way; and the expiry
        // is scheduled (a crash before it leaves the row `sending`, which the next start scrambles).
        const afterSend = afterPendingIo();
        signedOut = afterSend.then(() => revoke(directory, account, log));
        const expiring = afterSend.then(() =>
          deps.onPasswordSet?.(
            {
              auditId,
              directoryKind: directory.kind,
              accountId: account.id,
              login: account.login,
              // Read from the audit row when the expiry runs: the marker is not known yet.
              marker: '',
              ...(receipt.validUntil ? { validUntil: receipt.validUntil } : {}),
              adminUserId,
              employeeName: employee.name,
            },
            log,
          ),
        );
        pending.push(expiring);
      } catch (err) {
        const error = asAppError(err);
        // `passwordChanged`: a write in two steps (Okta's set, then expire) stopped half-way, the password set.
        if (error.code !== ErrorCode.DirectoryOutcomeUnknown && error.details.passwordChanged !== true) {
          // A directory write that fails sends nothing, and leaves the old password as it was.
          return { ...base, ...step('failed', { error }), status: 'failed', error };
        }
        // The write may have happened (or did): make sure no password the employee never got is live.
        const result = await scramble(auditId, account, error.code, log);
        return { ...base, ...step(result, { error }), status: 'failed', error };
      }
    }
    const body = composeSmsText(employee.name, password, { changeAtFirstLogin: set !== undefined });
    // The marker is read while the text goes out; it is only needed for the record.
    const kept = async () => {
      if (!set) return {};
      const [value, sessions] = await Promise.all([marker, signedOut]);
      return { directory: { ...set, ...(value ? { marker: value } : {}), ...(sessions ? { sessions } : {}) } };
    };
    try {
      const receipt = await deps.sms.send({ to: employee.phoneE164, body });
      return {
        ...base,
        ...(await kept()),
        status: 'sent',
        messageSid: receipt.sid,
        smsStatus: receipt.status,
      };
    } catch (err) {
      const error = asAppError(err);
      // Anything unexpected during the send may have happened after the provider accepted the message.
      if (error.code === ErrorCode.SmsOutcomeUnknown || error.code === ErrorCode.Internal) {
        // The text may be on its way: keep the password, say so; the admin decides (never a second text).
        return { ...base, ...(await kept()), status: 'unknown', error };
      }
      if (!set || !account) return { ...base, status: 'failed', error };
      const [result, sessions] = await Promise.all([scramble(auditId, account, error.code, log), signedOut]);
      return { ...base, directory: { ...set, result, ...(sessions ? { sessions } : {}) }, status: 'failed', error };
    }
  }

  function revoke(
    directory: Directory,
    account: DirectoryAccount,
    log: Logger,
  ): Promise<SessionRevocation> | undefined {
    if (!deps.revokeSessions || !directory.revokeSessions) return undefined;
    return directory.revokeSessions(account.id).then(
      () => ({ revoked: true as const }),
      (err: unknown) => {
        const error = asAppError(err);
        log.warn({ errorCode: error.code, errorDetails: error.details }, 'could not end the sign-in sessions');
        return { revoked: false as const, error };
      },
    );
  }

  async function scramble(auditId: string, account: DirectoryAccount, why: string, log: Logger) {
    const { directory, compensator } = deps;
    if (!compensator || !directory) return 'scramble_failed' as const;
    return compensator.scramble({ auditId, kind: directory.kind, accountId: account.id }, why, log);
  }
}
