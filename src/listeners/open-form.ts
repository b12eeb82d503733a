import type { AllMiddlewareArgs, Context, types } from '@slack/bolt';
import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../errors.js';
import type { FormRegistry } from '../ports/index.js';
import { encodeMetadata, type FormMetadata } from '../views/reset-form.js';
import { requestLog } from './context.js';

/**
 * Where a form was opened from. The command gives a channel and its response_url (the result is told there); the
 * App Home's button gives neither, so the result is told by DM.
 */
export type FormOrigin = FormMetadata;

export interface OpenFormArgs {
  readonly client: AllMiddlewareArgs['client'];
  /** Slack's trigger_id (the command's or the button's): it must be used within 3 s. */
  readonly triggerId: string;
  readonly adminUserId: string;
  readonly origin: FormOrigin;
  /** An employee code to start the form with (`/resetpw E1042`). */
  readonly code?: string;
  readonly context: Context;
}

export type FormOpener = (args: OpenFormArgs) => Promise<void>;

/**
 * Opens the form (`buildForm` says which: the typed form, or the directory's lookup step) and records it, so that
 * its submission is checked against what the bot opened. Runs after the admin check.
 */
export function createFormOpener(
  buildForm: (privateMetadata: string, code: string | undefined) => types.ModalView,
  forms: FormRegistry,
  log: Logger,
): FormOpener {
  return async function openForm({ client, triggerId, adminUserId, origin, code, context }) {
    let viewId: string | undefined;
    try {
      const res = await client.views.open({ trigger_id: triggerId, view: buildForm(encodeMetadata(origin), code) });
      viewId = res.view?.id;
    } catch (err) {
      throw classifyViewsOpenError(err);
    }
    const reqLog = requestLog(context, log);
    // The submission is checked against this record, not against what comes back in the form.
    if (viewId) {
      await forms
        .opened({ viewId, adminUserId, ...origin })
        .catch((err: unknown) =>
          reqLog.error({ err }, 'could not record the opened form: its submission will be refused'),
        );
    }
    reqLog.info({ viewId, from: origin.responseUrl ? 'command' : 'home' }, 'reset form opened');
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
