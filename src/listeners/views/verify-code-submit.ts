import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { Logger } from 'pino';
import { maskPhone } from '../../domain/phone.js';
import { AppError, asAppError, ErrorCode } from '../../errors.js';
import { ackFlushed } from '../../lib/flush.js';
import type { AuditStore, VerificationProof, VerificationSubject } from '../../ports/index.js';
import type { CodeSent } from '../../services/verification.js';
import { decodeConfirmMetadata, encodeConfirmMetadata } from '../../views/directory-form.js';
import { buildResettingView } from '../../views/directory-modal.js';
import { describeError, escapeMrkdwn } from '../../views/outcome.js';
import { buildResultView } from '../../views/reset-modal.js';
import { buildCodeStepView, readCode, VERIFY_IDS } from '../../views/verification-modal.js';
import { requestIdOf, requestLog } from '../context.js';
import type { DirectorySubmitDeps, VerificationDeps } from './step-deps.js';
import { admitSubmission, type Confirmed, confirmedMetadata, directoryResetRequest } from './verify-form.js';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** A verification step's metadata: the confirmation's (checked against the store), and the verification it is. */
export function stepMetadata(meta: Confirmed, verificationId: string): string {
  return encodeConfirmMetadata({
    channelId: meta.channelId,
    responseUrl: meta.responseUrl,
    teamId: meta.teamId,
    code: meta.code,
    accountId: meta.accountId,
    ...(meta.reason ? { reason: meta.reason } : {}),
    verificationId,
  });
}

/** Whom a step's verification is about, asked by whom and from which modal. */
export function subjectOf(o: StepArgs, id: string): VerificationSubject {
  return {
    id,
    viewId: o.view.id,
    teamId: o.meta.teamId,
    adminUserId: o.body.user.id,
    directoryKind: o.verification.directoryKind,
    accountId: o.meta.accountId,
    employeeCode: o.meta.code,
  };
}

/**
 * The "Resetting…" step at once (Slack's 3 s), then the reset the admin confirmed, in their modal: the confirmation
 * without a verification, and a code read back.
 */
export async function ackThenReset(
  o: Pick<StepArgs, 'deps' | 'ack' | 'view' | 'client' | 'context' | 'meta' | 'log'>,
  adminUserId: string,
  verification: VerificationProof,
): Promise<void> {
  const { deps, meta } = o;
  await o.ack({ response_action: 'update', view: buildResettingView(escapeMrkdwn(meta.code), deps.directoryLabel) });
  await ackFlushed();
  await deps.runReset(
    directoryResetRequest(meta, { requestId: requestIdOf(o.context), adminUserId, verification }),
    o.view.id,
    meta.responseUrl,
    o.client,
    o.log,
  );
}

/**
 * The confirmation chose "text a code": the modal becomes the code step at once (Slack's 3 s), then the code goes
 * out. If it cannot (verification locked, a limit reached, Twilio refusing), the modal says so instead, and the
 * attempt is audited. Nothing is changed in the directory on this path.
 */
export interface StepArgs {
  deps: DirectorySubmitDeps;
  verification: VerificationDeps;
  ack: SubmitArgs['ack'];
  body: SubmitArgs['body'];
  view: SubmitArgs['view'];
  client: SubmitArgs['client'];
  context: SubmitArgs['context'];
  meta: Confirmed;
  log: Logger;
}

export async function startCodeStep(o: StepArgs): Promise<void> {
  const { deps, verification, meta, log } = o;
  const id = verification.service.newId();
  const minutes = Math.max(1, Math.round(verification.codeTtlMs / 60_000));
  await o.ack({
    response_action: 'update',
    view: buildCodeStepView({
      privateMetadata: stepMetadata(meta, id),
      maskedPhone: maskPhone(meta.phoneE164 ?? ''),
      minutes,
    }),
  });
  await ackFlushed();
  const sent: CodeSent = await deps.inFlight.track(
    verification.service
      .sendCode({ ...subjectOf(o, id), phoneE164: meta.phoneE164 ?? '' }, log)
      .catch((err: unknown) => ({
        status: 'refused' as const,
        // Fail closed, in the modal (it says a code is on its way until told otherwise).
        error: new AppError(ErrorCode.AuditUnavailable, 'Could not prepare the verification code', {
          errorName: asAppError(err).details.errorName ?? 'error',
        }),
      })),
  );
  if (sent.status === 'sent') return;
  await refuse(deps.audit, o.client, o.view.id, sent.error, audited(o.context, o.body.user.id, meta), deps, log);
}

/**
 * The code step: checked before the ack (a store read and a compare-and-set). The right code → "Resetting…" and the
 * reset, which consumes the verification; a wrong one → an inline error with the tries left; the third → the modal
 * says verification is locked, security is alerted, and nothing happens.
 */
export function createSubmitCode(deps: DirectorySubmitDeps & { verification: VerificationDeps }) {
  return async function submitCode({ ack, body, view, client, context }: SubmitArgs) {
    const log = requestLog(context, deps.log);
    const args = { ack, body, viewId: view.id, requestId: requestIdOf(context) };
    const metadata = decodeConfirmMetadata(view.private_metadata);
    const form = await admitSubmission(deps, args, metadata, confirmedMetadata, log);
    if (!form) return;
    const meta = { ...form, ...(form.confirmed as NonNullable<typeof form.confirmed>) };
    const entry = audited(context, body.user.id, meta);
    const id = metadata?.verificationId;
    if (!id) {
      const error = new AppError(ErrorCode.VerificationExpired, 'The code step came without its verification');
      await ack({ response_action: 'update', view: buildResultView(describeError(error, deps.messages, ':x:')) });
      await record(deps.audit, entry, 'invalid', error.code, log);
      return;
    }
    const check = await deps.verification.service.checkCode(
      id,
      readCode(view.state.values),
      { viewId: view.id, adminUserId: body.user.id },
      log,
    );
    if (check.status === 'wrong') {
      const left = check.attemptsLeft;
      await ack({
        response_action: 'errors',
        errors: {
          [VERIFY_IDS.codeBlock]: `That is not the code: ${left} ${left === 1 ? 'try' : 'tries'} left. Ask the employee to read the text again, digit by digit.`,
        },
      });
      return;
    }
    if (check.status !== 'passed') {
      const emoji = check.status === 'locked' ? ':rotating_light:' : ':x:';
      await ack({ response_action: 'update', view: buildResultView(describeError(check.error, deps.messages, emoji)) });
      await record(deps.audit, entry, 'refused', check.error.code, log);
      return;
    }
    const step = { deps, ack, view, client, context, meta, log };
    await ackThenReset(step, body.user.id, { method: 'code', id, at: check.at, failures: check.failures });
  };
}

export function audited(context: SubmitArgs['context'], adminUserId: string, meta: Confirmed) {
  return {
    requestId: requestIdOf(context),
    teamId: meta.teamId,
    adminUserId,
    employee: { code: meta.code, ...(meta.phoneE164 ? { phoneE164: meta.phoneE164 } : {}) },
    ...(meta.reason ? { reason: meta.reason } : {}),
  };
}

export async function refuse(
  audit: AuditStore,
  client: SubmitArgs['client'],
  viewId: string,
  error: AppError,
  entry: ReturnType<typeof audited>,
  deps: DirectorySubmitDeps,
  log: Logger,
): Promise<void> {
  const emoji = error.code === ErrorCode.VerificationLocked ? ':rotating_light:' : ':no_entry:';
  await client.views
    .update({ view_id: viewId, view: buildResultView(describeError(error, deps.messages, emoji)) })
    .catch((err: unknown) => log.warn({ err }, 'could not show why the code was not sent'));
  const result = error.code === ErrorCode.RateLimited ? 'rate_limited' : 'refused';
  await record(audit, entry, result, error.code, log);
  log.warn({ event: 'verification', method: 'code', errorCode: error.code }, 'verification code not sent');
}

export async function record(
  audit: AuditStore,
  entry: ReturnType<typeof audited>,
  result: 'refused' | 'invalid' | 'rate_limited',
  errorCode: string,
  log: Logger,
): Promise<void> {
  await audit.record(entry, { result, errorCode }).catch((err: unknown) => log.error({ err }, 'audit write failed'));
}
