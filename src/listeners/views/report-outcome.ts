import type { AllMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ResetOutcome } from '../../domain/outcome.js';
import { AppError, ErrorCode } from '../../errors.js';
import type { InFlight } from '../../lib/in-flight.js';
import type { AdminMessenger, ResponseUrlNotifier } from '../../ports/index.js';
import type { ResetRequest } from '../../services/reset-password.js';
import type { MessageContext } from '../../user-messages.js';
import { describeError, describeOutcome, toEphemeralMessage } from '../../views/outcome.js';
import { buildResultView } from '../../views/reset-modal.js';

type WebClient = AllMiddlewareArgs['client'];

export interface ResetRunnerDeps {
  readonly resetPassword: (request: ResetRequest, log: Logger) => Promise<ResetOutcome>;
  readonly notifier: ResponseUrlNotifier;
  /** For a form opened from the App Home, which has no channel to answer in. */
  readonly messenger: AdminMessenger;
  readonly inFlight: InFlight;
  readonly messages: MessageContext;
}

/**
 * After the ack: runs the reset and tells the admin, in the modal and privately in the channel (by DM for a form
 * opened from the App Home). Tracked as a whole, so a shutdown waits for the admin to be told, not only for the send.
 */
export function createResetRunner(deps: ResetRunnerDeps) {
  return function runReset(
    request: ResetRequest,
    viewId: string,
    responseUrl: string | undefined,
    client: WebClient,
    log: Logger,
  ) {
    return deps.inFlight.track(resetAndReport(request, viewId, responseUrl, client, log));
  };

  async function resetAndReport(
    request: ResetRequest,
    viewId: string,
    responseUrl: string | undefined,
    client: WebClient,
    log: Logger,
  ): Promise<void> {
    const outcome = await deps.resetPassword(request, log);
    if (outcome.status === 'duplicate') {
      // The first arrival tells the admin; this one only keeps the modal from showing "Sending…" for ever.
      const error = new AppError(ErrorCode.AlreadySubmitted, 'Form already submitted', { viewId });
      await client.views
        .update({ view_id: viewId, view: buildResultView(describeError(error, {}, ':information_source:')) })
        .catch((err: unknown) => log.warn({ err }, 'could not update the modal of a duplicate submission'));
      return;
    }
    const content = describeOutcome(outcome, deps.messages);
    const message = toEphemeralMessage(content);
    const [modal, told] = await Promise.allSettled([
      client.views.update({ view_id: viewId, view: buildResultView(content) }),
      responseUrl ? deps.notifier.post(responseUrl, message) : deps.messenger.dm(request.adminUserId, message.text),
    ]);
    // The admin may have closed the modal; the private message is the record they keep.
    if (modal.status === 'rejected') log.warn({ err: modal.reason }, 'could not update the modal with the result');
    if (told.status === 'rejected') log.error({ err: told.reason }, 'could not post the result to the admin');
  }
}

export type ResetRunner = ReturnType<typeof createResetRunner>;
