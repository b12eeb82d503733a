import type { AllMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ResetOutcome } from '../../domain/outcome.js';
import { AppError, ErrorCode } from '../../errors.js';
import type { InFlight } from '../../lib/in-flight.js';
import type { ResponseUrlNotifier } from '../../ports/index.js';
import type { ResetRequest } from '../../services/reset-password.js';
import type { MessageContext } from '../../user-messages.js';
import { describeError, describeOutcome, toEphemeralMessage } from '../../views/outcome.js';
import { buildResultView } from '../../views/reset-modal.js';

type WebClient = AllMiddlewareArgs['client'];

export interface ResetRunnerDeps {
  readonly resetPassword: (request: ResetRequest, log: Logger) => Promise<ResetOutcome>;
  readonly notifier: ResponseUrlNotifier;
  readonly inFlight: InFlight;
  readonly messages: MessageContext;
}

/**
 * After the ack: runs the reset and tells the admin, in the modal and privately in the channel. Tracked as a
 * whole, so a shutdown waits for the admin to be told, not only for the send.
 */
export function createResetRunner(deps: ResetRunnerDeps) {
  return function runReset(request: ResetRequest, viewId: string, responseUrl: string, client: WebClient, log: Logger) {
    return deps.inFlight.track(resetAndReport(request, viewId, responseUrl, client, log));
  };

  async function resetAndReport(
    request: ResetRequest,
    viewId: string,
    responseUrl: string,
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
    const [modal, message] = await Promise.allSettled([
      client.views.update({ view_id: viewId, view: buildResultView(content) }),
      deps.notifier.post(responseUrl, toEphemeralMessage(content)),
    ]);
    // The admin may have closed the modal; the private message is the record they keep.
    if (modal.status === 'rejected') log.warn({ err: modal.reason }, 'could not update the modal with the result');
    if (message.status === 'rejected') log.error({ err: message.reason }, 'could not post the result to the admin');
  }
}

export type ResetRunner = ReturnType<typeof createResetRunner>;
