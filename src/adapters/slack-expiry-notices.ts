import type { Logger } from 'pino';
import type { AdminMessenger, ExpiryNotices, ResetSummary } from '../ports/index.js';
import { summaryOfRecord } from '../services/announcer.js';
import { cannotTellText, changedText, expiredText } from '../views/expiry.js';

/**
 * What the watch over a temporary password finds, worded for Slack and sent by DM to the admin who asked (minutes to
 * days later, their reply URL has expired); the employee's change also updates the audit channel's message.
 */
export function createSlackExpiryNotices(deps: {
  messenger: AdminMessenger;
  directoryLabel: string;
  /** The audit channel's message about the reset (services/announcer.ts: never in the way, failures logged). */
  announcer: { update(ts: string, summary: ResetSummary, log: Logger): Promise<void> };
  log: Logger;
}): ExpiryNotices {
  return {
    changed: async (seen) => {
      const row = seen.record;
      await Promise.all([
        deps.messenger.dm(seen.password.adminUserId, changedText(seen, deps.directoryLabel)),
        row?.announcementTs
          ? deps.announcer.update(
              row.announcementTs,
              { ...summaryOfRecord(row), directory: 'changed', detail: 'employee set their own password' },
              deps.log,
            )
          : undefined,
      ]);
    },
    expired: (password, result, sessionsEnded) =>
      deps.messenger.dm(password.adminUserId, expiredText(password, result, deps.directoryLabel, sessionsEnded)),
    cannotTell: (password) => deps.messenger.dm(password.adminUserId, cannotTellText(password, deps.directoryLabel)),
  };
}
