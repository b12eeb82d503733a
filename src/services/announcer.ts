import type { Logger } from 'pino';
import { maskPhone } from '../domain/phone.js';
import type { AuditChannel, AuditEntry, AuditOutcome, AuditRecord, ResetSummary } from '../ports/index.js';

/**
 * Tells the audit channel (AUDIT_CHANNEL_ID) about each reset: one message, updated when delivery is known.
 * Never in the way of a reset: a failed post is logged and the reset goes on.
 */
export interface Announcer {
  /** The message's ts, or undefined when there is no audit channel or the post failed. */
  announce(summary: ResetSummary, log: Logger): Promise<string | undefined>;
  update(ts: string, summary: ResetSummary, log: Logger): Promise<void>;
}

export function createAnnouncer(channel: AuditChannel | undefined): Announcer {
  if (!channel) return { announce: async () => undefined, update: async () => undefined };
  return {
    async announce(summary, log) {
      try {
        return await channel.announce(summary);
      } catch (err) {
        log.warn({ err }, 'could not post to the audit channel');
        return undefined;
      }
    },
    async update(ts, summary, log) {
      await channel.update(ts, summary).catch((err) => log.warn({ err }, 'could not update the audit channel'));
    },
  };
}

export function summaryOf(entry: AuditEntry, outcome: AuditOutcome): ResetSummary {
  const e = entry.employee;
  const detail = outcome.errorCode
    ? `${outcome.errorCode}${outcome.twilioErrorCode !== undefined ? ` / Twilio ${outcome.twilioErrorCode}` : ''}`
    : undefined;
  return {
    adminUserId: entry.adminUserId,
    ...(e?.name ? { employeeName: e.name } : {}),
    ...(e?.code ? { employeeCode: e.code } : {}),
    ...(e?.phoneE164 ? { maskedPhone: maskPhone(e.phoneE164) } : {}),
    result: outcome.result,
    ...(detail ? { detail } : {}),
    ...(outcome.messageSid ? { messageSid: outcome.messageSid } : {}),
    ...(outcome.directoryStep ? { directory: outcome.directoryStep.result } : {}),
  };
}

/** The same summary from a stored row (a restart, a later notice): what the audit channel's message showed. */
export function summaryOfRecord(row: AuditRecord): ResetSummary {
  const e = row.employee;
  return {
    adminUserId: row.adminUserId,
    ...(e?.name ? { employeeName: e.name } : {}),
    ...(e?.code ? { employeeCode: e.code } : {}),
    ...(e?.phoneE164 ? { maskedPhone: maskPhone(e.phoneE164) } : {}),
    result: row.result,
    ...(row.messageSid ? { messageSid: row.messageSid } : {}),
    ...(row.directoryStep ? { directory: row.directoryStep.result } : {}),
  };
}
