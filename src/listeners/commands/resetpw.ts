import type { AllMiddlewareArgs, Middleware, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { ackFlushed } from '../../lib/flush.js';
import { helpText, unknownText } from '../../views/command-help.js';
import { codeSchema } from '../../views/reset-form.js';
import type { FormOpener } from '../open-form.js';

export const COMMAND = '/resetpw';

/** An empty ack first: nothing appears in the channel, and Slack's 3 s clock is satisfied before any I/O. */
export const ackCommand: Middleware<SlackCommandMiddlewareArgs> = async ({ ack, next }) => {
  await ack();
  await ackFlushed();
  await next();
};

/** What was typed after `/resetpw`: nothing, `help`, an employee code to start the form with, or something else. */
export type CommandText = { kind: 'open'; code?: string } | { kind: 'help' } | { kind: 'unknown' };

export function parseCommandText(text: string | undefined): CommandText {
  const t = (text ?? '').trim();
  if (t === '') return { kind: 'open' };
  if (/^help$/i.test(t)) return { kind: 'help' };
  return codeSchema.safeParse(t).success ? { kind: 'open', code: t } : { kind: 'unknown' };
}

/**
 * `/resetpw help` and text the command does not understand are answered privately, before the admin check (they
 * reveal nothing and reset nobody); anything else goes on to the admin check and the form.
 */
export const answerCommandText: Middleware<SlackCommandMiddlewareArgs> = async ({ command, respond, next }) => {
  const parsed = parseCommandText(command.text);
  if (parsed.kind === 'open') {
    await next();
    return;
  }
  await respond({ response_type: 'ephemeral', text: parsed.kind === 'help' ? helpText() : unknownText() });
};

/**
 * Opens the form with the code typed after the command filled in. Runs after the admin check; the command's
 * trigger_id must be used within 3 s.
 */
export function createOpenFromCommand(open: FormOpener) {
  return async function openFromCommand({ command, client, context }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) {
    const parsed = parseCommandText(command.text);
    await open({
      client,
      context,
      triggerId: command.trigger_id,
      adminUserId: command.user_id,
      origin: { channelId: command.channel_id, responseUrl: command.response_url, teamId: command.team_id },
      ...(parsed.kind === 'open' && parsed.code ? { code: parsed.code } : {}),
    });
  };
}
