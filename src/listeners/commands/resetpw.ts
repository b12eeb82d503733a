import type { AllMiddlewareArgs, Middleware, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import { ackFlushed } from '../../lib/flush.js';
import type { CodeFromSlackUser } from '../../services/code-from-slack-user.js';
import type { MessageContext } from '../../user-messages.js';
import { helpText, slackUserProblemText, unescapedMentionText, unknownText } from '../../views/command-help.js';
import { codeSchema } from '../../views/reset-form.js';
import { requestLog } from '../context.js';
import type { FormOpener } from '../open-form.js';

export const COMMAND = '/resetpw';

/** An empty ack first: nothing appears in the channel, and Slack's 3 s clock is satisfied before any I/O. */
export const ackCommand: Middleware<SlackCommandMiddlewareArgs> = async ({ ack, next }) => {
  await ack();
  await ackFlushed();
  await next();
};

/**
 * What was typed after `/resetpw`: nothing, `help`, an employee code to start the form with, a Slack user whose
 * code to find, a name Slack did not turn into a user, or something else.
 */
export type CommandText =
  | { kind: 'open'; code?: string }
  | { kind: 'user'; userId: string }
  | { kind: 'help' }
  | { kind: 'unescaped'; typed: string }
  | { kind: 'unknown' };

/** A user as Slack passes it with should_escape: `<@U123>`, or `<@U123|jane>`. */
const MENTION = /^<@([UW][A-Z0-9]{2,})(?:\|[^<>]*)?>$/;
/** The same typed by hand, or passed as typed by a command installed without should_escape. */
const UNESCAPED = /^@[\p{L}\p{N}._-]+$/u;

export function parseCommandText(text: string | undefined): CommandText {
  const t = (text ?? '').trim();
  if (t === '') return { kind: 'open' };
  if (/^help$/i.test(t)) return { kind: 'help' };
  const mention = MENTION.exec(t);
  if (mention?.[1]) return { kind: 'user', userId: mention[1] };
  if (UNESCAPED.test(t)) return { kind: 'unescaped', typed: t };
  return codeSchema.safeParse(t).success ? { kind: 'open', code: t } : { kind: 'unknown' };
}

/**
 * `/resetpw help` and text the command does not understand are answered privately, before the admin check (they
 * reveal nothing and reset nobody); anything else goes on to the admin check and the form.
 */
export const answerCommandText: Middleware<SlackCommandMiddlewareArgs> = async ({ command, respond, next }) => {
  const parsed = parseCommandText(command.text);
  if (parsed.kind === 'open' || parsed.kind === 'user') {
    await next();
    return;
  }
  const text =
    parsed.kind === 'help'
      ? helpText()
      : parsed.kind === 'unescaped'
        ? unescapedMentionText(parsed.typed)
        : unknownText();
  await respond({ response_type: 'ephemeral', text });
};

/**
 * Opens the form with the code typed after the command filled in, or the code of the Slack user named after it
 * (`/resetpw @jane`); when that user leads to no code, a private sentence says why and no form opens. Runs after
 * the admin check; the command's trigger_id must be used within 3 s.
 */
export function createOpenFromCommand(deps: {
  open: FormOpener;
  codeFromSlackUser: CodeFromSlackUser;
  messages: MessageContext;
  log: Logger;
}) {
  return async function openFromCommand({
    command,
    client,
    context,
    respond,
  }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) {
    const parsed = parseCommandText(command.text);
    let code = parsed.kind === 'open' ? parsed.code : undefined;
    if (parsed.kind === 'user') {
      const found = await deps.codeFromSlackUser(parsed.userId, requestLog(context, deps.log));
      if (!found.ok) {
        await respond({
          response_type: 'ephemeral',
          text: slackUserProblemText(parsed.userId, found.why, deps.messages),
        });
        return;
      }
      code = found.code;
    }
    await deps.open({
      client,
      context,
      triggerId: command.trigger_id,
      adminUserId: command.user_id,
      origin: { channelId: command.channel_id, responseUrl: command.response_url, teamId: command.team_id },
      ...(code ? { code } : {}),
    });
  };
}
