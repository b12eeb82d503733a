import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { maskPhone } from '../../domain/phone.js';
import { AppError, ErrorCode } from '../../errors.js';
import { toUserMessage } from '../../user-messages.js';
import { decodeConfirmMetadata, encodeConfirmMetadata, parseLookupForm } from '../../views/directory-form.js';
import { buildConfirmView } from '../../views/directory-modal.js';
import { describeError, escapeMrkdwn } from '../../views/outcome.js';
import { decodeMetadata } from '../../views/reset-form.js';
import { BLOCK_IDS, buildResultView } from '../../views/reset-modal.js';
import { parseMethod } from '../../views/verification-modal.js';
import { requestIdOf, requestLog } from '../context.js';
import { startApprovalStep, startFactorStep } from './approval-step.js';
import type { DirectorySubmitDeps } from './step-deps.js';
import { ackThenReset, startCodeStep } from './verify-code-submit.js';
import { admitSubmission, confirmedMetadata, firstStepMetadata } from './verify-form.js';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * Step 1 with a directory: the code is looked up before the ack (Slack waits up to 3 s for a modal's answer, and
 * the lookup has 2.5 s of that). A match turns the form into the confirmation step; anything else keeps it open
 * with the reason under the code field, or shows a refusal.
 */
export function createSubmitLookup(deps: DirectorySubmitDeps) {
  return async function submitLookup({ ack, body, view, context }: SubmitArgs) {
    const log = requestLog(context, deps.log);
    const args = { ack, body, viewId: view.id, requestId: requestIdOf(context) };
    const meta = await admitSubmission(deps, args, decodeMetadata(view.private_metadata), firstStepMetadata, log);
    if (!meta) return;
    const parsed = parseLookupForm(view.state.values);
    if (!parsed.ok) {
      log.info({ fields: Object.keys(parsed.errors) }, 'form rejected with inline errors');
      await ack({ response_action: 'errors', errors: parsed.errors });
      await deps.audit
        .record(
          { requestId: requestIdOf(context), teamId: meta.teamId, adminUserId: body.user.id },
          { result: 'invalid', errorCode: `INVALID_FORM:${Object.keys(parsed.errors).join(',')}` },
        )
        .catch((err: unknown) => log.error({ err }, 'audit write failed'));
      return;
    }
    const { code, reason } = parsed;
    const outcome = await deps.lookupEmployee(
      {
        requestId: requestIdOf(context),
        teamId: meta.teamId,
        adminUserId: body.user.id,
        code,
        ...(reason ? { reason } : {}),
      },
      log,
    );
    if (outcome.status === 'found') {
      const { employee } = outcome;
      // The confirmation step resets whom the store says was shown here, whatever its metadata claims.
      const confirmed = {
        code,
        accountId: employee.account.id,
        phoneE164: employee.phoneE164,
        ...(reason ? { reason } : {}),
      };
      try {
        await deps.forms.confirm(view.id, confirmed);
      } catch (err) {
        log.error({ err }, 'could not record the confirmation step');
        const error = new AppError(ErrorCode.AuditUnavailable, 'Could not record the confirmation step');
        await ack({ response_action: 'update', view: buildResultView(describeError(error, deps.messages, ':x:')) });
        return;
      }
      await ack({
        response_action: 'update',
        view: buildConfirmView({
          privateMetadata: encodeConfirmMetadata({
            ...meta,
            code,
            accountId: employee.account.id,
            ...(reason ? { reason } : {}),
          }),
          directoryLabel: deps.directoryLabel,
          ...(deps.verification ? { verify: deps.verification.offered } : {}),
          employee: {
            name: escapeMrkdwn(employee.name),
            login: employee.account.login.replace(/`/g, "'"),
            code: escapeMrkdwn(code),
            maskedPhone: maskPhone(employee.phoneE164),
            locked: employee.account.locked,
          },
        }),
      });
      return;
    }
    if (outcome.field) {
      const m = toUserMessage(outcome.error, deps.messages);
      await ack({ response_action: 'errors', errors: { [BLOCK_IDS.code]: `${m.text} ${m.nextStep}` } });
      return;
    }
    const emoji = outcome.status === 'refused' ? ':no_entry:' : ':x:';
    await ack({ response_action: 'update', view: buildResultView(describeError(outcome.error, deps.messages, emoji)) });
  };
}

/**
 * Step 2: the admin confirmed. ack ("Resetting…") → reset (once per view.id: both steps share it, only this one
 * claims it) → tell the admin.
 */
export function createSubmitConfirm(deps: DirectorySubmitDeps) {
  return async function submitConfirm({ ack, body, view, client, context }: SubmitArgs) {
    const log = requestLog(context, deps.log);
    const args = { ack, body, viewId: view.id, requestId: requestIdOf(context) };
    const form = await admitSubmission(
      deps,
      args,
      decodeConfirmMetadata(view.private_metadata),
      confirmedMetadata,
      log,
    );
    if (!form) return;
    const meta = { ...form, ...(form.confirmed as NonNullable<typeof form.confirmed>) };
    const chosen = parseMethod(view.state.values, deps.verification?.offered ?? []);
    if (!chosen.ok) {
      await ack({ response_action: 'errors', errors: chosen.errors });
      return;
    }
    if (chosen.method !== 'skipped' && chosen.method !== 'not_required' && deps.verification) {
      const step = { code: startCodeStep, slack_approval: startApprovalStep, directory_factor: startFactorStep }[
        chosen.method
      ];
      await step({ deps, verification: deps.verification, ack, body, view, client, meta, log, context });
      return;
    }
    await ackThenReset({ deps, ack, view, client, context, meta, log }, body.user.id, { method: chosen.method });
  };
}
