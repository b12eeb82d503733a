import type { AllMiddlewareArgs, Middleware, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { CountryCode } from 'libphonenumber-js';
import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../../errors.js';
import { ackFlushed } from '../../lib/flush.js';
import { encodeMetadata } from '../../views/reset-form.js';
import { buildResetModal } from '../../views/reset-modal.js';
import { requestLog } from '../context.js';

export const COMMAND = '/resetpw';

/** An empty ack first: nothing appears in the channel, and Slack's 3 s clock is satisfied before any I/O. */
export const ackCommand: Middleware<SlackCommandMiddlewareArgs> = async ({ ack, next }) => {
  await ack();
  await ackFlushed();
  await next();
};

/** Opens the form. Runs after the admin check; the trigger_id must be used within 3 s of the command. */
export function createOpenResetForm(defaultCountry: CountryCode, log: Logger) {
  return async function openResetForm({ command, client, context }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) {
    const privateMetadata = encodeMetadata({
      channelId: command.channel_id,
      responseUrl: command.response_url,
      teamId: command.team_id,
    });
    try {
      await client.views.open({
        trigger_id: command.trigger_id,
        view: buildResetModal({ privateMetadata, defaultCountry }),
      });
    } catch (err) {
      throw classifyViewsOpenError(err);
    }
    requestLog(context, log).info('reset form opened');
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
