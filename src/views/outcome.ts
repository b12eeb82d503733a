import type { AppError } from '../errors.js';
import type { EphemeralMessage, ResetSummary, SmsDeliveryStatus } from '../ports/index.js';
import type { RecordedOutcome } from '../services/reset-password.js';
import { deliveryMessage, type MessageContext, toUserMessage } from '../user-messages.js';
import type { ResultViewContent } from './reset-modal.js';

/** What the admin is told about an outcome, shared by the modal result view and the private message. */
export function describeOutcome(outcome: RecordedOutcome, ctx: MessageContext): ResultViewContent {
  const name = escapeMrkdwn(outcome.employeeName);
  if (outcome.status === 'sent') {
    return {
      emoji: ':white_check_mark:',
      title: 'Temporary password sent',
      lines: [
        `${name} will get it by text at ${outcome.maskedPhone}.`,
        `Twilio message \`${outcome.messageSid}\`, status \`${outcome.smsStatus}\`.`,
      ],
    };
  }
  const emoji = outcome.status === 'unknown' ? ':warning:' : outcome.status === 'refused' ? ':no_entry:' : ':x:';
  const target = outcome.status === 'refused' ? [] : [`For ${name} at ${outcome.maskedPhone}.`];
  return describeError(outcome.error, ctx, emoji, target);
}

/** The follow-up once Twilio has (or has not) reported delivery. */
export function describeDelivery(summary: ResetSummary, status: SmsDeliveryStatus): ResultViewContent {
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
): ResultViewContent {
  const m = toUserMessage(error, ctx);
  return { emoji, title: m.title, lines: [...extra, m.text, `*What to do:* ${m.nextStep}`, `_Code: ${error.code}_`] };
}

export function toEphemeralMessage({ emoji, title, lines }: ResultViewContent): EphemeralMessage {
  const text = `${emoji} *${title}*\n${lines.join('\n')}`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** Names are typed by people: keep `<!channel>`-style control sequences from being interpreted. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
