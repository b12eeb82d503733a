import type { AllMiddlewareArgs, Middleware, SlackCommandMiddlewareArgs, types } from '@slack/bolt';
import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../../errors.js';
import { ackFlushed } from '../../lib/flush.js';
import type { FormRegistry } from '../../ports/index.js';
import { encodeMetadata } from '../../views/reset-form.js';
import { requestLog } from '../context.js';

export const COMMAND = '/resetpw';

/** An empty ack first: nothing appears in the channel, and Slack's 3 s clock is satisfied before any I/O. */
export const ackCommand: Middleware<SlackCommandMiddlewareArgs> = async ({ ack, next }) => {
  await ack();
  await ackFlushed();
  await next();
};

/**
 * Opens the form (`buildForm` says which: the typed form, or the directory's lookup step). Runs after the admin
 * check; the trigger_id must be used within 3 s of the command.
 */
export function createOpenResetForm(
  buildForm: (privateMetadata: string) => types.ModalView,
  forms: FormRegistry,
  log: Logger,
) {
  return async function openResetForm({ command, client, context }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) {
    const opened = { channelId: command.channel_id, responseUrl: command.response_url, teamId: command.team_id };
    let viewId: string | undefined;
    try {
      const res = await client.views.open({ trigger_id: command.trigger_id, view: buildForm(encodeMetadata(opened)) });
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
