import type { Logger } from 'pino';
import type { AdminMessenger, ResetSummary, UnknownSendNotices } from '../ports/index.js';
import { summaryOfRecord } from '../services/announcer.js';
import { notSentText, unresolvedText } from '../views/unknown-send.js';

/**
 * Sends Twilio never answered, once its list settled them: by DM to the admin who asked (minutes later, possibly
 * after a restart), and a text never sent also updates the audit channel's message.
 */
export function createSlackUnknownSendNotices(deps: {
  messenger: AdminMessenger;
  announcer: { update(ts: string, summary: ResetSummary, log: Logger): Promise<void> };
  /** "Active Directory", … when a directory is configured. */
  directoryLabel?: string;
  log: Logger;
}): UnknownSendNotices {
  const label = deps.directoryLabel ?? 'the directory';
  return {
    notSent: async (row, directory) => {
      await Promise.all([
        deps.messenger.dm(row.adminUserId, notSentText(row, directory, label)),
        row.announcementTs
          ? deps.announcer.update(
              row.announcementTs,
              {
                ...summaryOfRecord(row),
                detail: 'not in Twilio’s message log',
                ...(directory ? { directory } : {}),
              },
              deps.log,
            )
          : undefined,
      ]);
    },
    unresolved: (row, why, count) => deps.messenger.dm(row.adminUserId, unresolvedText(row, why, count)),
  };
}
