import type {
  AllMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewClosedAction,
  ViewSubmitAction,
  webApi,
} from '@slack/bolt';
import type { Logger } from 'pino';
import { AppError, asAppError, ErrorCode } from '../../errors.js';
import { ackFlushed } from '../../lib/flush.js';
import type { FormRegistry, StoredVerification } from '../../ports/index.js';
import type { ApprovalAsked } from '../../services/approval.js';
import type { FactorResult } from '../../services/factor.js';
import { buildApprovalView } from '../../views/approval.js';
import { decodeConfirmMetadata } from '../../views/directory-form.js';
import { buildResettingView } from '../../views/directory-modal.js';
import { describeError, escapeMrkdwn } from '../../views/outcome.js';
import { buildResultView } from '../../views/reset-modal.js';
import { requestIdOf, requestLog } from '../context.js';
import type { DirectorySubmitDeps, VerificationDeps } from './step-deps.js';
import { audited, refuse, type StepArgs, startCodeStep, stepMetadata, subjectOf } from './verify-code-submit.js';
import { admitSubmission, confirmedMetadata, directoryResetRequest } from './verify-form.js';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * The confirmation chose "ask the employee in Slack": the modal waits at once (Slack's 3 s), then the employee is
 * asked by DM. When they cannot be (not in Slack, no email on record, a refusal from Slack), or do not answer in
 * time, the modal says so and offers the code instead; the click is handled by the action listener
 * (src/listeners/actions/verify-approval.ts).
 */
export async function startApprovalStep(o: StepArgs): Promise<void> {
  const { deps, verification, meta, log } = o;
  const approval = verification.approval;
  if (!approval) return startCodeStep(o);
  const id = verification.service.newId();
  const minutes = Math.max(1, Math.round(approval.ttlMs / 60_000));
  const metadata = stepMetadata(meta, id);
  await o.ack({
    response_action: 'update',
    view: buildApprovalView({ privateMetadata: metadata, state: 'waiting', minutes }),
  });
  await ackFlushed();
  const show = (state: 'unavailable' | 'expired', why?: string) =>
    o.client.views
      .update({
        view_id: o.view.id,
        view: buildApprovalView({ privateMetadata: metadata, state, minutes, ...(why ? { why } : {}) }),
      })
      .then(() => undefined)
      .catch((err: unknown) => log.warn({ err }, 'could not update the waiting modal'));
  const asked: ApprovalAsked = await deps.inFlight.track(
    (async () =>
      approval.service.ask(
        {
          ...subjectOf(o, id),
          ...(await approval.findEmail(meta.code).then(
            (email) => ({ email }),
            (err: unknown) => {
              const e = asAppError(err);
              log.warn({ errorCode: e.code, errorDetails: e.details }, 'could not ask the directory for the email');
              return { email: undefined, emailLookupFailed: true };
            },
          )),
          ...(meta.reason ? { reason: meta.reason } : {}),
        },
        log,
        () => show('expired'),
      ))().catch((err: unknown) => ({
      status: 'refused' as const,
      // Fail closed, in the modal: a store or Slack that cannot answer asks nobody.
      error: new AppError(ErrorCode.AuditUnavailable, 'Could not ask the employee', {
        errorName: asAppError(err).details.errorName ?? 'error',
      }),
    })),
  );
  if (asked.status === 'asked') return;
  if (asked.status === 'unavailable') return show('unavailable', asked.why);
  await refuse(deps.audit, o.client, o.view.id, asked.error, audited(o.context, o.body.user.id, meta), deps, log);
}

/** The waiting modal's submit, "Text a code instead": the question is closed, and a code goes out. */
export function createSubmitApprovalView(deps: DirectorySubmitDeps & { verification: VerificationDeps }) {
  return async function submitApprovalView(args: SubmitArgs) {
    const { ack, body, view, client, context } = args;
    const log = requestLog(context, deps.log);
    const metadata = decodeConfirmMetadata(view.private_metadata);
    const form = await admitSubmission(
      deps,
      { ack, body, viewId: view.id, requestId: requestIdOf(context) },
      metadata,
      confirmedMetadata,
      log,
    );
    if (!form) return;
    const meta = { ...form, ...(form.confirmed as NonNullable<typeof form.confirmed>) };
    const id = metadata?.verificationId;
    // Closed first: if the employee answered before this, their answer stands and no code goes out.
    const withdrawn = id
      ? await withdrawEither(deps.verification, id, body.user.id).catch((err: unknown) => {
          log.warn({ err }, 'could not close the question or the push');
          return false;
        })
      : true;
    if (!withdrawn) {
      const error = new AppError(ErrorCode.VerificationExpired, 'The employee answered before the code was asked for');
      await ack({
        response_action: 'update',
        view: buildResultView(describeError(error, deps.messages, ':information_source:')),
      });
      return;
    }
    await startCodeStep({ deps, verification: deps.verification, ack, body, view, client, context, meta, log });
  };
}

/**
 * The waiting modal closed (Cancel, or the admin navigated away): the question is withdrawn, so a "Yes" that comes
 * after the admin walked away resets nothing.
 */
export function createCloseApprovalView(deps: { verification: VerificationDeps; log: Logger }) {
  return async function closeApprovalView({
    ack,
    body,
    view,
  }: SlackViewMiddlewareArgs<ViewClosedAction> & AllMiddlewareArgs) {
    await ack();
    const id = decodeConfirmMetadata(view.private_metadata)?.verificationId;
    if (!id) return;
    await withdrawEither(deps.verification, id, body.user.id).catch((err: unknown) =>
      deps.log.warn({ err }, 'could not withdraw the approval question or the push'),
    );
  };
}

/**
 * The confirmation chose the directory's own factor: the modal waits at once, the push goes out, and its answer
 * decides: approved runs the reset the admin confirmed; refused stops it (the account locked, security alerted); no
 * push enrolled, no answer in time, or a failure offers the code instead.
 */
export async function startFactorStep(o: StepArgs): Promise<void> {
  const { deps, verification, meta, log } = o;
  const factor = verification.factor;
  if (!factor) return startCodeStep(o);
  const id = verification.service.newId();
  const minutes = Math.max(1, Math.round(factor.ttlMs / 60_000));
  const metadata = stepMetadata(meta, id);
  const show = (state: 'no_factor' | 'expired' | 'factor_failed') =>
    o.client.views
      .update({ view_id: o.view.id, view: buildApprovalView({ privateMetadata: metadata, state, minutes }) })
      .then(() => undefined)
      .catch((err: unknown) => log.warn({ err }, 'could not update the waiting modal'));
  await o.ack({
    response_action: 'update',
    view: buildApprovalView({ privateMetadata: metadata, state: 'factor_waiting', minutes }),
  });
  await ackFlushed();
  const result: FactorResult = await deps.inFlight.track(
    factor.service
      .push(subjectOf(o, id), log)
      .catch((err: unknown) => ({ status: 'refused' as const, error: asAppError(err) })),
  );
  const entry = audited(o.context, o.body.user.id, meta);
  switch (result.status) {
    case 'withdrawn':
      return;
    case 'unavailable':
      return show(result.why === 'no_factor' ? 'no_factor' : 'expired');
    case 'refused':
      log.warn({ errorCode: result.error.code, errorDetails: result.error.details }, 'the factor push failed');
      if (result.error.code === ErrorCode.VerificationLocked) {
        return refuse(deps.audit, o.client, o.view.id, result.error, entry, deps, log);
      }
      return show('factor_failed');
    case 'rejected': {
      const error = new AppError(ErrorCode.VerificationDeclined, 'The employee refused the push');
      return refuse(deps.audit, o.client, o.view.id, error, entry, deps, log);
    }
    case 'approved':
      await o.client.views
        .update({ view_id: o.view.id, view: buildResettingView(escapeMrkdwn(meta.code), deps.directoryLabel) })
        .catch((err: unknown) => log.warn({ err }, 'could not show "Resetting…" in the modal'));
      await deps.runReset(
        directoryResetRequest(meta, {
          requestId: requestIdOf(o.context),
          adminUserId: o.body.user.id,
          verification: { method: 'directory_factor', id, at: result.at },
        }),
        o.view.id,
        meta.responseUrl || undefined,
        o.client,
        log,
      );
  }
}

/** The waiting modal is the approval's or the push's: whichever its verification is, it is withdrawn. */
async function withdrawEither(verification: VerificationDeps, id: string, adminUserId: string): Promise<boolean> {
  const factor = verification.factor?.service;
  if (factor && (await factor.withdraw(id, adminUserId))) return true;
  const approval = verification.approval?.service;
  return approval ? approval.withdraw(id, adminUserId) : false;
}

/**
 * The admin's modal, when the sweep ended a question or a push whose process had ended before it ran out: it says
 * the employee did not answer in time, with "Text a code instead" working as before (its metadata rebuilt from the
 * store's record of the form). A modal closed since cannot be updated; Slack's refusal is the caller's to log.
 */
export function createOverdueNotice(deps: {
  readonly forms: FormRegistry;
  readonly client: webApi.WebClient;
  readonly ttlMs: number;
}) {
  const minutes = Math.max(1, Math.round(deps.ttlMs / 60_000));
  return async (row: StoredVerification): Promise<void> => {
    const form = await deps.forms.get(row.viewId);
    if (!form?.confirmed || form.adminUserId !== row.adminUserId) return;
    const privateMetadata = stepMetadata({ ...form, ...form.confirmed }, row.id);
    await deps.client.views.update({
      view_id: row.viewId,
      view: buildApprovalView({ privateMetadata, state: 'expired', minutes }),
    });
  };
}
