import type { Logger } from 'pino';
import { asAppError } from '../errors.js';
import type {
  AuditRecord,
  AuditStore,
  DirectoryResult,
  RateLimiter,
  SmsSender,
  UnknownSendNotices,
} from '../ports/index.js';
import { subjectOfRecord } from './delivery-tracker.js';

/** Clocks differ between this host and the provider: a message created this much before the reset still counts. */
const SKEW_MS = 60_000;
/** Older unknown sends are left alone at start-up: their password has long been dealt with by its expiry. */
const LOOK_BACK_MS = 24 * 60 * 60_000;
/** A list that cannot be read is asked again, this many times in all, SMS_UNKNOWN_LOOKUP_AFTER apart. */
const ATTEMPTS = 3;

/**
 * A send Twilio never answered (a timeout) is `unknown`: the text may be on its way, and it is never sent again (two
 * texts with two passwords are worse than one). After a settle time the bot asks Twilio's list for messages to that
 * number since the reset: found → the row becomes `sent` and its delivery is followed like any other (scrambled if
 * it fails); none → a definite failure (the password scrambled, the rate-limit count given back, the admin told);
 * several → still unknown, the admin told why. Each row is settled once (the audit's compare-and-set), also across
 * replicas and restarts (`resume`).
 */
export function createUnknownSendResolver(deps: {
  readonly sms: SmsSender;
  readonly audit: AuditStore;
  readonly limits: RateLimiter;
  readonly notices: UnknownSendNotices;
  /** With a directory: scrambles the password of a text that was never sent. */
  readonly compensate?: (row: AuditRecord, log: Logger) => Promise<DirectoryResult | undefined>;
  /** Follows a found message's delivery (the delivery tracker). */
  readonly follow: (row: AuditRecord) => void;
  readonly trackForMs: number;
  /** SMS_UNKNOWN_LOOKUP_AFTER: time for the provider to have sent (or dropped) the message. */
  readonly settleMs: number;
  readonly log: Logger;
  readonly now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let stopped = false;

  function lookLater(row: AuditRecord, attempt: number, waitMs: number): void {
    if (stopped || timers.has(row.id)) return;
    const timer = setTimeout(
      () => {
        timers.delete(row.id);
        const work = resolve(row, attempt).catch((err: unknown) =>
          deps.log.error({ err, auditId: row.id }, 'could not resolve a send whose outcome was unknown'),
        );
        running.add(work);
        void work.finally(() => running.delete(work));
      },
      Math.max(0, waitMs),
    );
    timer.unref();
    timers.set(row.id, timer);
  }

  async function resolve(row: AuditRecord, attempt: number): Promise<void> {
    const log = deps.log.child({ auditId: row.id });
    const to = row.employee?.phoneE164;
    if (!to) return;
    // The employee set their own password meanwhile (the watch saw it): the text did arrive, whatever the log says.
    if ((await deps.audit.get(row.id).catch(() => row))?.directoryStep?.result === 'changed') {
      await deps.audit.settleUnknownSend(row.id, { lookup: 'moot' });
      return;
    }
    let found: Awaited<ReturnType<SmsSender['findSent']>>;
    try {
      // Created between the reset's start and the moment its send gave up (Twilio creates a message while the
      // request is open, or just after the client stopped waiting), with some slack for the two clocks.
      const listed = await deps.sms.findSent({
        to,
        from: new Date(Date.parse(row.createdAt) - SKEW_MS),
        until: new Date(Date.parse(row.updatedAt) + SKEW_MS),
      });
      // A message another reset already holds (an earlier one to the same number) is not this one's.
      const known = await deps.audit.knownMessageSids(listed.map((m) => m.sid));
      found = listed.filter((m) => !known.has(m.sid));
    } catch (err) {
      const error = asAppError(err);
      log.warn({ errorCode: error.code, errorDetails: error.details, attempt }, 'could not list the texts at Twilio');
      if (attempt < ATTEMPTS && error.details.permanent !== true) return lookLater(row, attempt + 1, deps.settleMs);
      return unresolved(row, 'lookup_failed', 0, log);
    }
    if (found.length > 1) return unresolved(row, 'ambiguous', found.length, log);
    const [message] = found;
    if (message) {
      const settled = await deps.audit.settleUnknownSend(row.id, {
        lookup: 'found',
        messageSid: message.sid,
        trackUntil: new Date(now() + deps.trackForMs),
      });
      if (!settled) return;
      log.info({ messageSid: message.sid, deliveryStatus: message.status }, 'unknown send found at Twilio');
      // From here it is a sent text like any other: delivered, or scrambled and reported when it fails.
      deps.follow(settled);
      return;
    }
    const settled = await deps.audit.settleUnknownSend(row.id, { lookup: 'not_found' });
    if (!settled) return;
    log.warn('unknown send not found at Twilio: the text was never sent');
    const directory =
      settled.directoryStep?.result === 'set' && deps.compensate ? await deps.compensate(settled, log) : undefined;
    // Nothing reached the phone, so the reset does not count.
    await deps.limits
      .refund(subjectOfRecord(settled))
      .catch((err: unknown) => log.warn({ err }, 'could not give back a rate limit count'));
    await deps.notices
      .notSent(settled, directory)
      .catch((err: unknown) => log.error({ err }, 'could not tell the admin that the text was never sent'));
  }

  async function unresolved(row: AuditRecord, why: 'ambiguous' | 'lookup_failed', count: number, log: Logger) {
    const settled = await deps.audit.settleUnknownSend(row.id, { lookup: why });
    if (!settled) return;
    log.warn({ why, count }, 'the outcome of the send stays unknown');
    await deps.notices
      .unresolved(settled, why, count)
      .catch((err: unknown) => log.error({ err }, 'could not tell the admin that the outcome stays unknown'));
  }

  return {
    /** A reset just ended `unknown`: look for its text once the provider has had time to send it. */
    async resolveLater(auditId: string): Promise<void> {
      const row = await deps.audit.get(auditId);
      if (row) lookLater(row, 1, deps.settleMs);
    },
    /** Unknown sends a previous process left: each looked up when its settle time is over (at once if it is). */
    async resume(): Promise<number> {
      stopped = false;
      const rows = await deps.audit.unknownSendsToResolve(new Date(now() - LOOK_BACK_MS));
      for (const row of rows) lookLater(row, 1, Date.parse(row.updatedAt) + deps.settleMs - now());
      if (rows.length > 0) deps.log.info({ count: rows.length }, 'resumed looking up sends whose outcome was unknown');
      return rows.length;
    },
    /** No new look-ups; waits for those under way. What is left is resumed by the next start. */
    async stop(): Promise<void> {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}

export type UnknownSendResolver = ReturnType<typeof createUnknownSendResolver>;
