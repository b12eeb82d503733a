import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../../errors.js';
import type { AuditStore, FormRegistry } from '../../ports/index.js';
import type { Approval } from '../../services/approval.js';
import type { MessageContext } from '../../user-messages.js';
import { APPROVAL_ACTION_IDS } from '../../views/approval.js';
import { buildResettingView } from '../../views/directory-modal.js';
import { describeError, escapeMrkdwn } from '../../views/outcome.js';
import { buildResultView } from '../../views/reset-modal.js';
import { requestIdOf, requestLog } from '../context.js';
import type { ResetRunner } from '../views/report-outcome.js';
import { directoryResetRequest } from '../views/verify-form.js';

/**
 * The employee's answer to the approval question, pressed in their DM (acked first, like every action). Only the
 * employee asked can answer, once, in time (the store decides, on any replica); anyone else's click changes nothing.
 * "Yes" runs the reset the admin confirmed, in the admin's modal, as if they had pressed it; "No" stops it there and
 * security is alerted (by the service).
 */
export function createApprovalAnswer(deps: {
  approval: Approval;
  forms: FormRegistry;
  audit: AuditStore;
  runReset: ResetRunner;
  directoryLabel: string;
  messages: MessageContext;
  log: Logger;
}) {
  return async function approvalAnswer({ body, client, context }: SlackActionMiddlewareArgs & AllMiddlewareArgs) {
    const action = body as BlockAction;
    const log = requestLog(context, deps.log);
    const button = action.actions[0] as ButtonAction | undefined;
    const id = button?.value;
    if (!button || !id) return;
    const approved = button.action_id === APPROVAL_ACTION_IDS.approve;
    const answer = await deps.approval.answer(id, action.user.id, approved, log);
    if (answer.status === 'ignored') return;
    const v = answer.verification;
    const form = await deps.forms.get(v.viewId).catch(() => undefined);
    const confirmed = form?.confirmed;
    const entry = {
      requestId: requestIdOf(context),
      ...(v.teamId ? { teamId: v.teamId } : {}),
      adminUserId: v.adminUserId,
      employee: { code: v.employeeCode },
    };
    if (answer.status === 'declined' || !form || !confirmed || form.adminUserId !== v.adminUserId) {
      const error =
        answer.status === 'declined'
          ? new AppError(ErrorCode.VerificationDeclined, 'The employee declined the reset')
          : new AppError(ErrorCode.VerificationExpired, 'The form of the approved verification is gone');
      await client.views
        .update({ view_id: v.viewId, view: buildResultView(describeError(error, deps.messages, ':no_entry:')) })
        .catch((err: unknown) => log.warn({ err }, 'could not tell the admin in the modal'));
      await deps.audit
        .record(entry, { result: 'refused', errorCode: error.code })
        .catch((err: unknown) => log.error({ err }, 'audit write failed'));
      return;
    }
    await client.views
      .update({ view_id: v.viewId, view: buildResettingView(escapeMrkdwn(confirmed.code), deps.directoryLabel) })
      .catch((err: unknown) => log.warn({ err }, 'could not show "Resetting…" in the modal'));
    await deps.runReset(
      directoryResetRequest(
        { ...form, ...confirmed },
        {
          requestId: requestIdOf(context),
          adminUserId: v.adminUserId,
          verification: { method: 'slack_approval', id, at: answer.at },
        },
      ),
      v.viewId,
      form.responseUrl || undefined,
      client,
      log,
    );
  };
}
