import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { Logger } from 'pino';
import { maskPhone, type NumberRules } from '../../domain/phone.js';
import { ackFlushed } from '../../lib/flush.js';
import type { AuditStore, FormRegistry } from '../../ports/index.js';
import type { ResetRequest } from '../../services/reset-password.js';
import { escapeMrkdwn } from '../../views/outcome.js';
import { decodeMetadata, parseResetForm, typedValues } from '../../views/reset-form.js';
import { buildSendingView } from '../../views/reset-modal.js';
import { requestIdOf, requestLog } from '../context.js';
import type { ResetRunner } from './report-outcome.js';
import { admitSubmission, firstStepMetadata } from './verify-form.js';

export interface SubmitDeps {
  readonly runReset: ResetRunner;
  readonly audit: AuditStore;
  readonly forms: FormRegistry;
  readonly numbers: NumberRules;
  readonly log: Logger;
}

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * DIRECTORY=none: the admin types name, code and number. validate → ack ("Sending…") → reset (once per view.id)
 * → tell the admin, in the modal and privately in the channel.
 */
export function createSubmitResetForm(deps: SubmitDeps) {
  return async function submitResetForm({ ack, body, view, client, context }: SubmitArgs) {
    const log = requestLog(context, deps.log);
    const args = { ack, body, viewId: view.id, requestId: requestIdOf(context) };
    const meta = await admitSubmission(deps, args, decodeMetadata(view.private_metadata), firstStepMetadata, log);
    if (!meta) return;
    const parsed = parseResetForm(view.state.values, deps.numbers);
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
      target: { kind: 'typed', employee: { name: form.name, code: form.code, phoneE164: form.phoneE164 } },
      ...(form.reason ? { reason: form.reason } : {}),
      responseUrl: meta.responseUrl,
      // A form is processed once, however often it arrives (a replayed request, a redelivered envelope, another
      // replica). Only a valid submission claims it: one with inline errors is corrected and sent again.
      submissionId: view.id,
    };
    await deps.runReset(request, view.id, meta.responseUrl, client, log);
  };
}
