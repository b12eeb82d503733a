import type { CodedError, Context } from '@slack/bolt';
import type { Logger } from 'pino';
import { asAppError } from '../errors.js';
import type { ResponseUrlNotifier } from '../ports/index.js';
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
 * privately, through the response_url of the command (or the one carried in the form's metadata).
 */
export function createErrorHandler(deps: { log: Logger; notifier: ResponseUrlNotifier; adminGroup: string }) {
  return async ({ error, context, body }: ErrorHandlerArgs): Promise<void> => {
    const original = (error as { original?: unknown }).original ?? error;
    const appError = asAppError(original);
    const log = requestLog(context, deps.log);
    log.error({ err: original, errorCode: appError.code, errorDetails: appError.details }, 'request failed');

    const b = body as { response_url?: string; view?: { private_metadata?: string } };
    const responseUrl = b.response_url ?? decodeMetadata(b.view?.private_metadata)?.responseUrl;
    if (!responseUrl) return;
    try {
      await deps.notifier.post(
        responseUrl,
        toEphemeralMessage(describeError(appError, { adminGroup: deps.adminGroup })),
      );
    } catch (err) {
      log.error({ err }, 'could not tell the admin about the failure');
    }
  };
}
