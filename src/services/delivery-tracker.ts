import type { Logger } from 'pino';
import { asAppError } from '../errors.js';
import type {
  AuditRecord,
  AuditStore,
  DeliveryJob,
  DeliveryReporter,
  DeliveryResult,
  DirectoryResult,
  RateLimiter,
  RateLimitSubject,
  SmsDeliveryStatus,
  SmsSender,
} from '../ports/index.js';
import { summaryOfRecord } from './announcer.js';

/** Makes a password that was not delivered invalid; resolves with what happened (undefined: another replica did it). */
export type UndeliveredCompensation = (
  job: DeliveryJob,
  why: string,
  log: Logger,
) => Promise<DirectoryResult | undefined>;

/** Twilio statuses after which nothing changes; failed and canceled messages never reached the phone either. */
const FINAL: Readonly<Record<string, DeliveryResult>> = {
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'undelivered',
  canceled: 'undelivered',
};
const REDACT_ATTEMPTS = 3;

export interface DeliveryTrackerDeps {
  readonly sms: SmsSender;
  readonly audit: AuditStore;
  readonly limits: RateLimiter;
  readonly reporter: DeliveryReporter;
  /** With a directory: scrambles a password whose text was not delivered. */
  readonly compensate?: UndeliveredCompensation;
  readonly log: Logger;
  /** First wait before asking for the status; each wait doubles up to `maxPollMs`. */
  readonly firstPollMs: number;
  readonly maxPollMs?: number;
  /** Blank the body at Twilio once the message is final (SMS_REDACT). */
  readonly redact: boolean;
  readonly now?: () => number;
}

/**
 * Polls each sent message's status (no public URL needed, so it works in Socket Mode), records every change,
 * scrambles the password when the text did not arrive, has the admin told once the message is final, then
 * redacts its body at the provider. Work left over by a
 * restart is picked up again by `resume`. With several replicas on one store, the store's compare-and-set
 * makes sure each change is reported once even if two of them follow the same message.
 */
export function createDeliveryTracker(deps: DeliveryTrackerDeps) {
  const now = deps.now ?? Date.now;
  const maxPollMs = deps.maxPollMs ?? 30_000;
  const running = new Set<Promise<void>>();
  const sleepers = new Set<() => void>();
  let stopped = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });

  const spawn = (work: Promise<void>) => {
    running.add(work);
    work.finally(() => running.delete(work));
  };

  async function follow(job: DeliveryJob): Promise<void> {
    const log = deps.log.child({ auditId: job.auditId, messageSid: job.messageSid });
    let delay = deps.firstPollMs;
    let last = job.status;
    while (!stopped) {
      await sleep(Math.max(0, Math.min(delay, job.trackUntil.getTime() - now())));
      if (stopped) return;
      let status: SmsDeliveryStatus | undefined;
      try {
        status = await deps.sms.fetchStatus(job.messageSid);
      } catch (err) {
        const error = asAppError(err);
        if (error.details.permanent === true) {
          log.warn({ errorDetails: error.details }, 'cannot follow delivery: Twilio will not report this message');
          return;
        }
        log.debug({ errorDetails: error.details }, 'delivery status not available yet');
      }
      if (status && status.status !== last) {
        const final = FINAL[status.status];
        const changed = await deps.audit.recordDelivery(job.auditId, status, final);
        last = status.status;
        log.info({ deliveryStatus: status.status, twilioErrorCode: status.errorCode, changed }, 'delivery status');
        if (final) {
          if (changed) await finish(job, status, final, log);
          return;
        }
      }
      if (now() >= job.trackUntil.getTime()) {
        if (await deps.audit.endTracking(job.auditId)) await giveUp(job, last, log);
        return;
      }
      delay = Math.min(delay * 2, maxPollMs);
    }
  }

  async function finish(job: DeliveryJob, status: SmsDeliveryStatus, final: DeliveryResult, log: Logger) {
    let directory: DirectoryResult | undefined;
    if (final === 'undelivered') {
      // A password that never reached the employee must not stay valid.
      if (job.directoryAccountId && deps.compensate) {
        directory = await deps.compensate(job, `undelivered:${status.errorCode ?? status.status}`, log);
      }
      // The text never arrived, so the advice is to try again: the 10-minute spacing must not stand in the way.
      // The daily limits keep counting it.
      await deps.limits
        .refund(job.subject, ['employee_10m'])
        .catch((err) => log.warn({ err }, 'could not give back the 10-minute count'));
    }
    await deps.reporter.final(job, status, final, directory, log);
    if (deps.redact) await redact(job.auditId, job.messageSid, log);
  }

  async function giveUp(job: DeliveryJob, last: string, log: Logger) {
    log.warn({ deliveryStatus: last }, 'no final delivery status before tracking ended');
    await deps.reporter.gaveUp(job, last, log);
    // The provider may refuse to blank a message that is not final; the warning in the log then says so.
    if (deps.redact) await redact(job.auditId, job.messageSid, log);
  }

  async function redact(auditId: string, messageSid: string, log: Logger) {
    for (let attempt = 1; attempt <= REDACT_ATTEMPTS && !stopped; attempt++) {
      try {
        await deps.sms.redact(messageSid);
        await deps.audit.markRedacted(auditId);
        log.info({ auditId, messageSid }, 'message body redacted at Twilio');
        return;
      } catch (err) {
        const error = asAppError(err);
        log.warn({ auditId, messageSid, attempt, errorDetails: error.details }, 'could not redact the message body');
        if (error.details.permanent === true) return;
        await sleep(deps.firstPollMs * 2 ** attempt);
      }
    }
  }

  return {
    track(job: DeliveryJob): void {
      if (stopped) return;
      spawn(
        follow({ sentAt: new Date(now()), ...job }).catch((err: unknown) =>
          deps.log.error({ err, auditId: job.auditId }, 'delivery tracking failed'),
        ),
      );
    },

    /** Follows a stored `sent` row (an unknown send found at the provider afterwards). */
    follow(row: AuditRecord): void {
      this.track(jobFromRecord(row));
    },

    /** Picks up what a previous process left: messages still in flight, and final ones not yet redacted. */
    async resume(): Promise<number> {
      const rows = await deps.audit.deliveriesToResume(new Date(now()));
      for (const row of rows) {
        if (row.result === 'sent') this.track(jobFromRecord(row));
        else if (deps.redact && row.messageSid) {
          const { id, messageSid } = row;
          spawn(redact(id, messageSid, deps.log));
        }
      }
      if (rows.length > 0) deps.log.info({ count: rows.length }, 'resumed delivery tracking');
      return rows.length;
    },

    get size(): number {
      return running.size;
    },

    /** Stops polling; what is left is resumed by the next start. Waits for calls already under way. */
    async stop(): Promise<void> {
      stopped = true;
      for (const wake of [...sleepers]) wake();
      await Promise.allSettled([...running]);
    },
  };
}

export type DeliveryTracker = ReturnType<typeof createDeliveryTracker>;

/** What a stored reset was counted against, to give its counts back. */
export function subjectOfRecord(row: AuditRecord): RateLimitSubject {
  const e = row.employee;
  return {
    ...(row.teamId ? { teamId: row.teamId } : {}),
    adminUserId: row.adminUserId,
    employeeCode: e?.code ?? '',
    ...(row.directory ? { accountId: row.directory.accountId } : {}),
    phoneE164: e?.phoneE164 ?? '',
  };
}

function jobFromRecord(row: AuditRecord): DeliveryJob {
  return {
    auditId: row.id,
    messageSid: row.messageSid ?? '',
    status: row.deliveryStatus ?? 'queued',
    trackUntil: new Date(row.trackUntil ?? 0),
    subject: subjectOfRecord(row),
    summary: summaryOfRecord(row),
    ...(row.announcementTs ? { announcementTs: row.announcementTs } : {}),
    ...(row.directory && row.directoryStep?.result === 'set' ? { directoryAccountId: row.directory.accountId } : {}),
  };
}
