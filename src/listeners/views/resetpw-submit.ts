import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { CountryCode } from 'libphonenumber-js';
import type { Logger } from 'pino';
import { maskPhone } from '../../domain/phone.js';
import { AppError, ErrorCode } from '../../errors.js';
import { ackFlushed } from '../../lib/flush.js';
import type { InFlight } from '../../lib/in-flight.js';
import type { AuditStore, ResponseUrlNotifier } from '../../ports/index.js';
import type { ResetOutcome, ResetRequest } from '../../services/reset-password.js';
import { describeError, describeOutcome, escapeMrkdwn, toEphemeralMessage } from '../../views/outcome.js';
import { decodeMetadata, parseResetForm, typedValues } from '../../views/reset-form.js';
import { buildResultView, buildSendingView } from '../../views/reset-modal.js';
import { requestIdOf, requestLog } from '../context.js';

export interface SubmitDeps {
  readonly resetPassword: (request: ResetRequest, log: Logger) => Promise<ResetOutcome>;
  readonly notifier: ResponseUrlNotifier;
  readonly audit: AuditStore;
  readonly defaultCountry: CountryCode;
  readonly adminGroup: string;
  readonly inFlight: InFlight;
  readonly log: Logger;
}

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** validate → ack ("Sending…") → reset (once per view.id) → tell the admin, in the modal and privately in the channel. */
export function createSubmitResetForm(deps: SubmitDeps) {
  return async function submitResetForm({ ack, body, view, client, context }: SubmitArgs) {
    const log = requestLog(context, deps.log);
    const meta = decodeMetadata(view.private_metadata);
    const teamMismatch = meta && body.team?.id && meta.teamId !== body.team.id;
    if (!meta || teamMismatch) {
      log.warn({ teamMismatch: Boolean(teamMismatch) }, 'rejected form with invalid private_metadata');
      const error = new AppError(ErrorCode.InvalidMetadata, 'private_metadata failed validation');
      await ack({ response_action: 'update', view: buildResultView(describeError(error, {})) });
      return;
    }
    const parsed = parseResetForm(view.state.values, deps.defaultCountry);
    if (!parsed.ok) {
      log.info({ fields: Object.keys(parsed.errors) }, 'form rejected with inline errors');
      await ack({ response_action: 'errors', errors: parsed.errors as Record<string, string> });
      const typed = typedValues(view.state.values);
      await deps.audit
        .record(
          {
            requestId: requestIdOf(context),
            teamId: meta.teamId,
            adminUserId: body.user.id,
            employee: { ...(typed.name ? { name: typed.name } : {}), ...(typed.code ? { code: typed.code } : {}) },
          },
          { result: 'invalid', errorCode: `INVALID_FORM:${Object.keys(parsed.errors).join(',')}` },
        )
        .catch((err: unknown) => log.error({ err }, 'audit write failed'));
      return;
    }
    const { form } = parsed;
    await ack({
      response_action: 'update',
      view: buildSendingView(escapeMrkdwn(form.name), maskPhone(form.phoneE164)),
    });
    await ackFlushed();

    const request: ResetRequest = {
      requestId: requestIdOf(context),
      teamId: meta.teamId,
      adminUserId: body.user.id,
      employee: { name: form.name, code: form.code, phoneE164: form.phoneE164 },
      ...(form.reason ? { reason: form.reason } : {}),
      responseUrl: meta.responseUrl,
      // A form is processed once, however often it arrives (a replayed request, a redelivered envelope, another
      // replica). Only a valid submission claims it: one with inline errors is corrected and sent again.
      submissionId: view.id,
    };
    // Tracked as a whole so a shutdown waits for the admin to be told, not only for the send.
    await deps.inFlight.track(resetAndReport(request, view.id, meta.responseUrl, client, log));
  };

  async function resetAndReport(
    request: ResetRequest,
    viewId: string,
    responseUrl: string,
    client: SubmitArgs['client'],
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
    const content = describeOutcome(outcome, { adminGroup: deps.adminGroup });
    const [modal, message] = await Promise.allSettled([
      client.views.update({ view_id: viewId, view: buildResultView(content) }),
      deps.notifier.post(responseUrl, toEphemeralMessage(content)),
    ]);
    // The admin may have closed the modal; the private message is the record they keep.
    if (modal.status === 'rejected') log.warn({ err: modal.reason }, 'could not update the modal with the result');
    if (message.status === 'rejected') log.error({ err: message.reason }, 'could not post the result to the admin');
  }
}
