import type { AdminMessenger, InterruptionNotices } from '../ports/index.js';
import { interruptedText, scrambleRetriedText } from '../views/interruption.js';

/** Interrupted resets, worded for Slack and sent by DM to the admin who asked (their reply URL may have expired). */
export function createSlackInterruptionNotices(deps: {
  messenger: AdminMessenger;
  /** "Active Directory", … when a directory is configured. */
  directoryLabel?: string;
}): InterruptionNotices {
  const label = deps.directoryLabel ?? 'the directory';
  return {
    interrupted: (row, directory) => deps.messenger.dm(row.adminUserId, interruptedText(row, directory, label)),
    scrambleRetried: (row, result) => deps.messenger.dm(row.adminUserId, scrambleRetriedText(row, result, label)),
  };
}
