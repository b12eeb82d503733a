import type { AdminMessenger, ExpiryNotices } from '../ports/index.js';
import { cannotTellText, expiredText } from '../views/expiry.js';

/** Expiries, worded for Slack and sent by DM to the admin who asked (hours later, their reply URL has expired). */
export function createSlackExpiryNotices(deps: { messenger: AdminMessenger; directoryLabel: string }): ExpiryNotices {
  return {
    expired: (password, result, sessionsEnded) =>
      deps.messenger.dm(password.adminUserId, expiredText(password, result, deps.directoryLabel, sessionsEnded)),
    cannotTell: (password) => deps.messenger.dm(password.adminUserId, cannotTellText(password, deps.directoryLabel)),
  };
}
