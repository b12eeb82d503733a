import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { maskPhone } from '../domain/phone.js';
import { AppError, asAppError, ErrorCode } from '../errors.js';
import type {
  RateLimiter,
  SmsSender,
  VerificationAlerts,
  VerificationStore,
  VerificationSubject,
} from '../ports/index.js';
import { lockedError, lockRefusal, newVerification } from './verification-common.js';

/** Statuses after which a text changes no more, and can be blanked. */
const FINAL = new Set(['delivered', 'undelivered', 'failed', 'canceled']);
/** How long a code's text is followed for its redaction: past the code's life and Twilio's validity period. */
const FOLLOW_MS = 15 * 60_000;
/** Wrong codes after which verification of the employee is locked (VERIFY_LOCK_MINUTES). */
export const MAX_ATTEMPTS = 3;
/**
 * Wrong codes count towards that lock across modals and admins for this long (and only since the employee's last
 * passed verification or lock): opening a new modal does not start again at three, and an old typo is forgotten.
 */
export const WRONG_CODES_WINDOW_MS = 24 * 3_600_000;
/** A code's text counts against these limits (SMS pumping), not the 10-minute spacing a reset keeps. */
const CODE_LIMITS = ['phone_day', 'employee_day'] as const;

/** Whom a code is for: the account confirmed in the modal, its number on record. */
export interface CodeRequest extends VerificationSubject {
  readonly phoneE164: string;
}

export type CodeSent =
  | { readonly status: 'sent'; readonly maskedPhone: string }
  | { readonly status: 'refused'; readonly error: AppError };

export type CodeCheck =
  | { readonly status: 'passed'; readonly failures: number; readonly at: Date }
  | { readonly status: 'wrong'; readonly attemptsLeft: number }
  | { readonly status: 'locked'; readonly error: AppError }
  | { readonly status: 'refused'; readonly error: AppError };

/** The code's text: what the employee reads, never with the password. */
export function codeText(code: string, ttlMs: number): string {
  const minutes = Math.max(1, Math.round(ttlMs / 60_000));
  return (
    `Your IT verification code is ${code.slice(0, 3)} ${code.slice(3)}. Read it only to the IT admin helping you ` +
    `now. It expires in ${minutes} minute${minutes === 1 ? '' : 's'}.`
  );
}

/**
 * Verifying the employee by a code read back (VERIFY_EMPLOYEE): six digits from a CSPRNG go by text to the number on
 * record, and the admin types what the employee reads out. Only a keyed hash of the code is stored (with its expiry
 * and the attempts), so any replica can check it and nobody can read it back; the comparison takes constant time.
 * Three wrong codes lock verification of that employee for VERIFY_LOCK_MINUTES and alert security: whoever is on the
 * line may not be the employee. The code exists only here, between its generation and the provider.
 */
export function createVerification(deps: {
  readonly store: VerificationStore;
  readonly sms: SmsSender;
  readonly limits: RateLimiter;
  readonly alerts: VerificationAlerts;
  /** The key of the codes' hashes, shared by every replica (derived from a secret they share). */
  readonly key: Buffer;
  readonly codeTtlMs: number;
  readonly lockMs: number;
  readonly log: Logger;
  /**
   * SMS_REDACT: the code's text is followed until the provider reports it final, then its body is blanked, as the
   * password's is. Best effort and in this process only (a restart forgets it); the code is useless by then anyway.
   */
  readonly redact?: { readonly firstPollMs: number };
  /** Hears each result (the metrics): sent, not_sent, passed, wrong, locked, expired. */
  readonly onResult?: (result: string) => void;
  readonly now?: () => number;
}) {
  const count = (result: string) => deps.onResult?.(result);
  const now = deps.now ?? Date.now;
  const hash = (id: string, code: string) => createHmac('sha256', deps.key).update(`${id}:${code}`).digest('hex');

  const following = new Set<NodeJS.Timeout>();
  /** Polls the code's text until it is final (or FOLLOW_MS passed), then blanks it at the provider. */
  function followThenRedact(sid: string, firstPollMs: number, log: Logger, waitMs = firstPollMs, spent = 0): void {
    const timer = setTimeout(async () => {
      following.delete(timer);
      const status = await deps.sms.fetchStatus(sid).catch(() => undefined);
      if (status && FINAL.has(status.status)) {
        await deps.sms
          .redact(sid)
          .then(() => log.info({ messageSid: sid }, 'verification code text redacted at Twilio'))
          .catch((err: unknown) => log.warn({ errorDetails: asAppError(err).details }, 'could not redact the code'));
        return;
      }
      const next = Math.min(waitMs * 2, 30_000);
      if (spent + waitMs < FOLLOW_MS) followThenRedact(sid, firstPollMs, log, next, spent + waitMs);
    }, waitMs);
    timer.unref();
    following.add(timer);
  }

  return {
    /** Stops following code texts (a shutdown): what is left is not redacted. */
    stop(): void {
      for (const timer of following) clearTimeout(timer);
      following.clear();
    },

    /** Makes a code, stores its hash, and texts it to the number on record. */
    async sendCode(request: CodeRequest, log: Logger): Promise<CodeSent> {
      const at = new Date(now());
      const locked = await lockRefusal(deps.store, request.directoryKind, request.accountId, at);
      if (locked) {
        count('not_sent');
        return { status: 'refused', error: locked };
      }
      const subject = {
        ...(request.teamId ? { teamId: request.teamId } : {}),
        adminUserId: request.adminUserId,
        employeeCode: request.employeeCode,
        accountId: request.accountId,
        phoneE164: request.phoneE164,
      };
      const decision = await deps.limits.take(subject, CODE_LIMITS);
      if (!decision.allowed) {
        const error = new AppError(ErrorCode.RateLimited, 'Rate limit reached for the verification code', {
          limit: decision.limit,
          max: decision.max,
          windowSeconds: decision.windowSeconds,
          retryAt: Math.ceil(decision.retryAt.getTime() / 1000),
        });
        count('not_sent');
        return { status: 'refused', error };
      }
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const expiresAt = new Date(at.getTime() + deps.codeTtlMs);
      await deps.store.create(newVerification(request, 'code', hash(request.id, code), expiresAt), at);
      try {
        const receipt = await deps.sms.send({ to: request.phoneE164, body: codeText(code, deps.codeTtlMs) });
        await deps.store
          .setMessage(request.id, receipt.sid)
          .catch((err: unknown) => log.warn({ err }, 'could not record the code text’s message id'));
        if (deps.redact) followThenRedact(receipt.sid, deps.redact.firstPollMs, log);
        log.info({ event: 'verification', method: 'code', verificationId: request.id }, 'verification code texted');
        count('sent');
        return { status: 'sent', maskedPhone: maskPhone(request.phoneE164) };
      } catch (err) {
        const error = asAppError(err);
        // Whether or not the text went out, this code is not to be used: a new attempt sends a new one.
        await deps.store.end(request.id, 'failed', new Date(now())).catch(() => undefined);
        if (error.code !== ErrorCode.SmsOutcomeUnknown) {
          await deps.limits.refund(subject, CODE_LIMITS).catch(() => undefined);
        }
        count('not_sent');
        return { status: 'refused', error };
      }
    },

    /** Checks what the employee read out, for the admin and modal it was sent for. */
    async checkCode(
      id: string,
      typed: string,
      who: { readonly viewId: string; readonly adminUserId: string; readonly employeeName?: string },
      log: Logger,
    ): Promise<CodeCheck> {
      const at = new Date(now());
      const row = await deps.store.get(id);
      const expired = new AppError(ErrorCode.VerificationExpired, 'The verification is not pending');
      if (!row || row.viewId !== who.viewId || row.adminUserId !== who.adminUserId) {
        return { status: 'refused', error: expired };
      }
      if (row.state === 'locked') {
        return { status: 'locked', error: lockedError(row.lockedUntil ?? new Date(at.getTime() + deps.lockMs)) };
      }
      // Locked through another modal (its three wrong codes, the employee's "No"): this code does not count either
      // (a lock ends the employee's other codes, so it is said before "not pending").
      const accountLock = await deps.store.lockedUntil(row.directoryKind, row.accountId, at);
      if (accountLock) {
        await deps.store.end(id, 'failed', at);
        return { status: 'locked', error: lockedError(accountLock) };
      }
      if (row.state !== 'pending') return { status: 'refused', error: expired };
      if (at >= row.expiresAt) {
        await deps.store.end(id, 'expired', at);
        count('expired');
        return { status: 'refused', error: expired };
      }
      const digits = typed.replace(/[\s-]/g, '');
      const expected = Buffer.from(row.codeHash, 'hex');
      const actual = Buffer.from(hash(id, /^\d{6}$/.test(digits) ? digits : 'not-a-code'), 'hex');
      if (expected.length === actual.length && timingSafeEqual(expected, actual)) {
        if (!(await deps.store.pass(id, at))) return { status: 'refused', error: expired };
        log.info({ event: 'verification', method: 'code', result: 'passed', verificationId: id }, 'employee verified');
        count('passed');
        return { status: 'passed', failures: row.attempts, at };
      }
      const lockUntil = new Date(at.getTime() + deps.lockMs);
      const since = new Date(at.getTime() - WRONG_CODES_WINDOW_MS);
      const counted = await deps.store.recordWrong(id, at, MAX_ATTEMPTS, lockUntil, since);
      if (!counted) return { status: 'refused', error: expired };
      log.warn(
        {
          event: 'verification',
          method: 'code',
          result: 'wrong',
          attempts: counted.attempts,
          recentWrong: counted.recent,
          verificationId: id,
        },
        'wrong verification code',
      );
      count(counted.locked ? 'locked' : 'wrong');
      if (!counted.locked) return { status: 'wrong', attemptsLeft: Math.max(1, MAX_ATTEMPTS - counted.recent) };
      await deps.alerts
        .possibleImpersonation({
          adminUserId: who.adminUserId,
          employeeCode: row.employeeCode,
          ...(who.employeeName ? { employeeName: who.employeeName } : {}),
          lockedUntil: lockUntil,
        })
        .catch((err: unknown) => log.error({ err }, 'could not alert security about the failed verification'));
      return { status: 'locked', error: lockedError(lockUntil) };
    },

    /** The one reset a passed verification allows: this view, this account. */
    consume: (id: string, viewId: string, accountId: string) => deps.store.use(id, viewId, accountId, new Date(now())),

    /** Until when this account is locked (three wrong codes, or the employee's "No"), if it is now. */
    lockedUntil: (directoryKind: string, accountId: string) =>
      deps.store.lockedUntil(directoryKind, accountId, new Date(now())),

    newId: () => randomUUID(),
  };
}

export type Verification = ReturnType<typeof createVerification>;
