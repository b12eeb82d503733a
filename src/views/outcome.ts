import type { DirectoryStepOutcome, RecordedOutcome } from '../domain/outcome.js';
import { escapeHidden } from '../domain/text.js';
import { type AppError, ErrorCode } from '../errors.js';
import type { DirectoryResult, EphemeralMessage, ResetSummary, SmsDeliveryStatus } from '../ports/index.js';
import { deliveryMessage, type MessageContext, toUserMessage } from '../user-messages.js';
import type { ResultViewContent } from './reset-modal.js';

/** What the admin is told about an outcome, shared by the modal result view and the private message. */
export function describeOutcome(outcome: RecordedOutcome, ctx: MessageContext): ResultViewContent {
  const name = escapeMrkdwn(outcome.employeeName);
  const d = outcome.directory;
  if (outcome.status === 'sent') {
    return {
      emoji: ':white_check_mark:',
      title: d ? 'Temporary password set and sent' : 'Temporary password sent',
      lines: [
        `${name}${d ? ` (${escapeMrkdwn(d.login)})` : ''} will get it by text at ${outcome.maskedPhone}.`,
        ...(d ? setLines(d) : []),
        `Twilio message \`${outcome.messageSid}\`, status \`${outcome.smsStatus}\`.`,
      ],
    };
  }
  const emoji = outcome.status === 'unknown' ? ':warning:' : outcome.status === 'refused' ? ':no_entry:' : ':x:';
  const target = outcome.maskedPhone ? [`For ${name} at ${outcome.maskedPhone}.`] : [`For ${name}.`];
  if (d && d.error === undefined && outcome.status === 'failed' && d.result !== 'set') {
    // The text failed after the password was set: say what became of the password first.
    return describeError(
      outcome.error,
      ctx,
      emoji,
      [...target, compensationLine(d.result, d.label), ...sessionLines(d)],
      'Fix the cause above, then run /resetpw again.',
    );
  }
  if (d?.result === 'set' && outcome.status === 'unknown') {
    return describeError(outcome.error, ctx, emoji, [
      ...target,
      `The temporary password is set in ${d.label}. If no text arrives, run /resetpw again: a new reset replaces it.`,
      ...sessionLines(d),
    ]);
  }
  if (d?.error && (d.result === 'scrambled' || d.result === 'scramble_failed')) {
    // The directory write itself was interrupted and the password randomised to be sure.
    return describeError(outcome.error, ctx, emoji, [
      ...target,
      compensationLine(
        d.result,
        d.label,
        d.error.details.passwordChanged === true ? 'not_expired' : compensationCause(d.error.code),
      ),
    ]);
  }
  return describeError(outcome.error, ctx, emoji, outcome.status === 'refused' && !d ? [] : target);
}

function setLines(d: DirectoryStepOutcome): string[] {
  return [
    `It is set in ${d.label} and must be changed at first login.`,
    ...(d.unlocked ? ['The account was locked by failed logins; it is unlocked now.'] : []),
    ...sessionLines(d),
  ];
}

/** Whether whoever held the old password was signed out (cloud directories). */
export function sessionLines(d: DirectoryStepOutcome): string[] {
  if (!d.sessions) return [];
  if (d.sessions.revoked) return [`The employee was signed out of every ${d.label} session.`];
  return [
    `Could not sign the employee out of their other ${d.label} sessions (${d.sessions.error.code}): if the account may be in someone else's hands, end them in ${d.label} now.`,
  ];
}

/**
 * What the bot knew when it undid a password: the password was set and the text failed; the password write itself
 * was interrupted (it may or may not have happened); the bot restarted in the middle of a reset; or a write in two
 * steps (Okta's set, then expire) set the password but not the forced change.
 */
export type CompensationCause = 'text_failed' | 'write_interrupted' | 'reset_interrupted' | 'not_expired';

/** The cause behind a scramble's recorded reason (the audit's directory detail). */
export function compensationCause(detail: string | undefined): CompensationCause {
  if (detail === ErrorCode.DirectoryOutcomeUnknown) return 'write_interrupted';
  return detail === 'interrupted' ? 'reset_interrupted' : 'text_failed';
}

/** What became of a password that did not reach the employee: one true sentence for what the bot knows. */
export function compensationLine(
  result: DirectoryResult,
  label: string,
  cause: CompensationCause = 'text_failed',
): string {
  switch (result) {
    case 'scrambled':
      if (cause === 'write_interrupted') {
        return `The bot cannot tell whether the new password was set in ${label}, so it randomised the password to be sure: the employee cannot log in with the old password or the new one.`;
      }
      if (cause === 'reset_interrupted') {
        return `Whatever password the interrupted reset may have set in ${label} was randomised: the employee cannot log in with the old password or a texted one.`;
      }
      if (cause === 'not_expired') {
        return `The new password was set in ${label} but could not be made to expire, so the bot randomised it and sent nothing: the employee cannot log in with the old password or the new one.`;
      }
      return `The password was changed in ${label} and then randomised because the text could not be delivered: the employee cannot log in with the old password or the new one.`;
    case 'scramble_failed':
      if (cause === 'write_interrupted') {
        return `:rotating_light: *The bot cannot tell whether the new password was set in ${label}, and it could not randomise the password afterwards.* Reset or disable the account by hand now: if a password was set, nobody received it.`;
      }
      if (cause === 'reset_interrupted') {
        return `:rotating_light: *The interrupted reset may have set a password in ${label}, and it could not be randomised.* Reset or disable the account by hand now: nobody can vouch that the text arrived.`;
      }
      if (cause === 'not_expired') {
        return `:rotating_light: *A new password is set in ${label} without a forced change, and it could not be randomised.* Reset or disable the account by hand now: nobody received that password.`;
      }
      return `:rotating_light: *The temporary password is set in ${label} but could not be randomised.* Reset or disable the account by hand now: nobody received that password.`;
    case 'superseded':
      return 'A later reset has replaced this password since, so there was nothing to undo.';
    default:
      return `The password in ${label} is ${result}.`;
  }
}

/** The follow-up once the provider has (or has not) reported delivery. */
export function describeDelivery(
  summary: ResetSummary,
  status: SmsDeliveryStatus,
  directory?: { readonly result: DirectoryResult; readonly label: string },
): ResultViewContent {
  const m = deliveryMessage(status.status, status.errorCode);
  const emoji =
    status.status === 'delivered'
      ? ':white_check_mark:'
      : FINAL_FAILURES.has(status.status)
        ? ':x:'
        : ':grey_question:';
  const who = `${summary.employeeName ? escapeMrkdwn(summary.employeeName) : 'The employee'}${summary.maskedPhone ? ` at ${summary.maskedPhone}` : ''}`;
  return {
    emoji,
    title: `${m.title}: temporary password text`,
    lines: [
      `For ${who}${summary.messageSid ? `, Twilio message \`${summary.messageSid}\`` : ''}.`,
      m.text,
      ...(directory ? [compensationLine(directory.result, directory.label)] : []),
      ...(m.nextStep ? [`*What to do:* ${m.nextStep}`] : []),
    ],
  };
}

const FINAL_FAILURES = new Set(['undelivered', 'failed', 'canceled']);

export function describeError(
  error: AppError,
  ctx: MessageContext,
  emoji = ':x:',
  extra: readonly string[] = [],
  nextStep?: string,
): ResultViewContent {
  const m = toUserMessage(error, ctx);
  return {
    emoji,
    title: m.title,
    lines: [...extra, m.text, `*What to do:* ${nextStep ?? m.nextStep}`, `_Code: ${error.code}_`],
  };
}

export function toEphemeralMessage({ emoji, title, lines }: ResultViewContent): EphemeralMessage {
  const text = `${emoji} *${title}*\n${lines.join('\n')}`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/**
 * Names are typed by people (and come from directories): keep `<!channel>`-style control sequences from being
 * interpreted, and line breaks or direction overrides in a name from forging lines of the message around it (they
 * are written out visibly, `\u{a}`).
 */
export function escapeMrkdwn(text: string): string {
  return escapeHidden(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
