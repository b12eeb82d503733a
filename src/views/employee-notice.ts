import type { EmployeeNotice } from '../ports/index.js';
import { slackTime } from '../user-messages.js';
import { escapeMrkdwn } from './outcome.js';

/** Whom the employee is told to contact when SECURITY_CONTACT is not set. */
export const FALLBACK_SECURITY_CONTACT = 'your IT security team';

/**
 * The DM the employee reads after a reset of their password: who reset it and when, where the temporary password
 * went (masked), that it must be changed at first sign-in, until when it works, and whom to tell if they did not ask
 * for it. It never carries the password: nothing here is given one.
 */
export function employeeNoticeText(notice: EmployeeNotice, securityContact: string | undefined): string {
  // Whole seconds, rounded down: an expiry is never stated later than it is.
  const seconds = (at: Date) => Math.floor(at.getTime() / 1000);
  const contact = securityContact ? escapeMrkdwn(securityContact) : FALLBACK_SECURITY_CONTACT;
  const lines = [
    ':closed_lock_with_key: *Your password was reset*',
    `An IT admin, <@${notice.adminUserId}>, reset your password on ${slackTime(seconds(notice.setAt))}.`,
    // `unknown`: the provider did not confirm the text, and the bot never sends a second one.
    notice.text === 'sent'
      ? `• A temporary password was sent by text message to ${notice.maskedPhone}.`
      : `• A temporary password was sent by text message to ${notice.maskedPhone}; if it has not arrived, ` +
        'ask the IT admin who reset it.',
    '• You must change it the first time you sign in with it.',
    ...(notice.expiresAt
      ? [`• It stops working on ${slackTime(seconds(notice.expiresAt))}: sign in and choose your own before then.`]
      : []),
    `*Did not ask for this?* Contact ${contact} right away: someone may be trying to get into your account.`,
  ];
  return lines.join('\n');
}
