import type { CodedError, Context } from '@slack/bolt';
import type { Logger } from 'pino';
import { asAppError } from '../errors.js';
import type { AdminMessenger, ResponseUrlNotifier } from '../ports/index.js';
import { describeError, toEphemeralMessage } from '../views/outcome.js';
import { decodeMetadata } from '../views/reset-form.js';
import { requestLog } from './context.js';

/** What Bolt passes with `extendedErrorHandler: true` (the type itself is not exported). */
interface ErrorHandlerArgs {
  readonly error: CodedError;
  readonly context: Context;
  readonly body: unknown;
}

/**
 * The one handler for errors that escape a listener: full detail to the log, plain words to the admin,
 * privately, through the response_url of the command (or the one carried in the form's metadata), or by DM for
 * the App Home's button and the forms it opened, which have no channel.
 */
export function createErrorHandler(deps: {
  log: Logger;
  notifier: ResponseUrlNotifier;
  messenger?: AdminMessenger;
  adminGroup: string;
}) {
  return async ({ error, context, body }: ErrorHandlerArgs): Promise<void> => {
    const original = (error as { original?: unknown }).original ?? error;
    const appError = asAppError(original);
    const log = requestLog(context, deps.log);
    log.error({ err: original, errorCode: appError.code, errorDetails: appError.details }, 'request failed');

    const b = body as {
      type?: string;
      response_url?: string;
      view?: { type?: string; private_metadata?: string };
      user?: { id?: string };
    };
    const metadata = decodeMetadata(b.view?.private_metadata);
    const responseUrl = b.response_url ?? metadata?.responseUrl;
    // Only a button on the Home or a form it opened: an event (the Home's opening) has nobody waiting for an answer.
    const fromHome =
      b.type === 'block_actions' ? b.view?.type === 'home' : b.type === 'view_submission' && metadata !== undefined;
    const dmTo = !responseUrl && fromHome && deps.messenger ? b.user?.id : undefined;
    if (!responseUrl && !dmTo) return;
    const message = toEphemeralMessage(describeError(appError, { adminGroup: deps.adminGroup }));
    try {
      if (responseUrl) await deps.notifier.post(responseUrl, message);
      else if (dmTo) await deps.messenger?.dm(dmTo, message.text);
    } catch (err) {
      log.error({ err }, 'could not tell the admin about the failure');
    }
  };
}
