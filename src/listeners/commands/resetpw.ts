import type { AllMiddlewareArgs, Middleware, SlackCommandMiddlewareArgs, types } from '@slack/bolt';
import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../../errors.js';
import { ackFlushed } from '../../lib/flush.js';
import type { FormRegistry } from '../../ports/index.js';
import { helpText, unknownText } from '../../views/command-help.js';
import { codeSchema, encodeMetadata } from '../../views/reset-form.js';
import { requestLog } from '../context.js';

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
 * Opens the form (`buildForm` says which: the typed form, or the directory's lookup step), with the code typed
 * after the command filled in. Runs after the admin check; the trigger_id must be used within 3 s of the command.
 */
export function createOpenResetForm(
  buildForm: (privateMetadata: string, code: string | undefined) => types.ModalView,
  forms: FormRegistry,
  log: Logger,
) {
  return async function openResetForm({ command, client, context }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) {
    const opened = { channelId: command.channel_id, responseUrl: command.response_url, teamId: command.team_id };
    let viewId: string | undefined;
    try {
      const parsed = parseCommandText(command.text);
      const code = parsed.kind === 'open' ? parsed.code : undefined;
      const res = await client.views.open({
        trigger_id: command.trigger_id,
        view: buildForm(encodeMetadata(opened), code),
      });
      viewId = res.view?.id;
    } catch (err) {
      throw classifyViewsOpenError(err);
    }
    const reqLog = requestLog(context, log);
    // The submission is checked against this record, not against what comes back in the form.
    if (viewId) {
      await forms
        .opened({ viewId, adminUserId: command.user_id, ...opened })
        .catch((err: unknown) =>
          reqLog.error({ err }, 'could not record the opened form: its submission will be refused'),
        );
    }
    reqLog.info({ viewId }, 'reset form opened');
  };
}

export function classifyViewsOpenError(err: unknown): AppError {
  const slackError = (err as { data?: { error?: string } })?.data?.error;
  if (slackError === 'expired_trigger_id' || slackError === 'exchanged_trigger_id') {
    return new AppError(ErrorCode.TriggerExpired, 'The trigger_id expired before the form opened', { slackError });
  }
  const code = (err as { code?: string })?.code;
  return new AppError(ErrorCode.FormOpenFailed, 'views.open failed', { slackError: slackError ?? code ?? 'unknown' });
}
