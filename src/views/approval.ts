import type { types } from '@slack/bolt';
import { escapeMrkdwn } from './outcome.js';
import { slackDate } from './slack-date.js';
import { VERIFY_APPROVAL_CALLBACK_ID } from './verification-modal.js';

/**
 * The employee's own approval in Slack (VERIFY_EMPLOYEE, method slack_approval): the DM that asks them, what it says
 * once answered, and the admin's modal while it waits. Pure builders with their ids.
 */
export const APPROVAL_ACTION_IDS = { approve: 'verify_approve', decline: 'verify_decline' } as const;

/** The question, by DM to the employee: who asks, why, until when; two buttons carrying the verification's id. */
export function approvalQuestion(q: {
  verificationId: string;
  adminUserId: string;
  employeeCode: string;
  reason?: string;
  expiresAt: Date;
}): { text: string; blocks: types.KnownBlock[] } {
  const why = q.reason ? ` They give this reason: “${escapeMrkdwn(q.reason.replace(/\s+/g, ' '))}”.` : '';
  const text =
    `:closed_lock_with_key: *Did you ask IT to reset your password?* <@${q.adminUserId}>, an IT admin, is about ` +
    `to reset the password of your account with employee code ${escapeMrkdwn(q.employeeCode)} and text you a ` +
    `temporary one.${why} Answer by ${slackDate(q.expiresAt, '{time}')}. If you did not ask for this, press "No": ` +
    'nothing will change, and security will be told.';
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        block_id: 'verify_answer',
        elements: [
          {
            type: 'button',
            action_id: APPROVAL_ACTION_IDS.approve,
            value: q.verificationId,
            style: 'primary',
            text: { type: 'plain_text', text: 'Yes, I asked for this' },
          },
          {
            type: 'button',
            action_id: APPROVAL_ACTION_IDS.decline,
            value: q.verificationId,
            style: 'danger',
            text: { type: 'plain_text', text: 'No, I did not' },
          },
        ],
      },
    ],
  };
}

export type ApprovalSettlement = 'approved' | 'declined' | 'expired' | 'withdrawn';

/** The DM once answered (the buttons replaced): each question is answered once. */
export function approvalSettledText(outcome: ApprovalSettlement): string {
  switch (outcome) {
    case 'approved':
      return ':white_check_mark: You confirmed that you asked for the reset. IT is resetting it now; if it goes through, the temporary password comes by text.';
    case 'declined':
      return ':no_entry: You said you did not ask for this. Nothing was changed, and IT security has been told.';
    case 'expired':
      return ':hourglass: This question was not answered in time, so nothing was changed here.';
    case 'withdrawn':
      return ':information_source: The IT admin verified you another way, so this question is closed.';
  }
}

/** Why the employee cannot be asked, in the admin's words, by the reason the approval service or Slack gave. */
const UNAVAILABLE: Record<string, string> = {
  no_email: 'the directory holds no email for them, so the bot cannot find their Slack account.',
  directory_unavailable:
    'the directory could not be asked for their email just now (the log has the detail); try again in a moment, or use the code.',
  not_in_slack: 'no Slack member has the email the directory holds for them.',
  is_the_admin:
    'the email the directory holds for them is your own Slack account’s, and nobody approves their own request.',
  is_a_bot: 'the Slack account with the email the directory holds for them is a bot.',
  other: 'the bot may not message them in Slack (the log has the detail).',
};

/** The admin's modal while the employee is asked (or when they cannot be): "Text a code instead" is always there. */
export function buildApprovalView(o: {
  privateMetadata: string;
  state: 'waiting' | 'unavailable' | 'expired' | 'factor_waiting' | 'no_factor' | 'factor_failed';
  minutes: number;
  /** Why the employee cannot be asked (`unavailable`): the approval service's or Slack's reason. */
  why?: string;
}): types.ModalView {
  const factorText: Record<string, string> = {
    factor_waiting: `:iphone: *Waiting for the employee.* A push is on its way to the Okta Verify app they enrolled; this updates when they approve or refuse it (they have ${o.minutes} minute${o.minutes === 1 ? '' : 's'}). Nothing has been changed yet.`,
    no_factor:
      ':warning: *The employee has no Okta Verify push enrolled,* so it cannot be used. Nothing has been changed.',
    factor_failed: ':warning: *The push could not be sent or answered* (see the log). Nothing has been changed.',
  };
  const text =
    factorText[o.state] ??
    (o.state === 'waiting'
      ? `:hourglass_flowing_sand: *Waiting for the employee.* The bot has asked them by DM in Slack whether they asked for this reset; this updates when they answer (they have ${o.minutes} minute${o.minutes === 1 ? '' : 's'}). Nothing has been changed yet.`
      : o.state === 'unavailable'
        ? `:warning: *The employee cannot be asked in Slack:* ${UNAVAILABLE[o.why ?? ''] ?? UNAVAILABLE.other} Nothing has been changed.`
        : ':hourglass: *The employee did not answer in time.* Nothing has been changed.');
  return {
    type: 'modal',
    callback_id: VERIFY_APPROVAL_CALLBACK_ID,
    private_metadata: o.privateMetadata,
    title: { type: 'plain_text', text: 'Verify the employee' },
    submit: { type: 'plain_text', text: 'Text a code instead' },
    // Closing it withdraws the question: a "Yes" after the admin walked away must not reset anything.
    notify_on_close: true,
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: '"Text a code instead" sends a 6-digit code to the number on record for the employee to read back to you.',
          },
        ],
      },
    ],
  };
}
