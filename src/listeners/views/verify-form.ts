import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../../errors.js';
import type { AuditStore, FormRegistry, OpenedForm, VerificationProof } from '../../ports/index.js';
import type { ResetRequest } from '../../services/reset-request.js';
import { describeError } from '../../views/outcome.js';
import { buildResultView } from '../../views/reset-modal.js';

const UNKNOWN_FORM_RETRIES = 8;
const UNKNOWN_FORM_WAIT_MS = 100;

export type FormCheck =
  | { readonly ok: true; readonly form: OpenedForm }
  | { readonly ok: false; readonly error: AppError; readonly result: 'invalid' | 'refused' };

/**
 * A submission counts only for a form the bot itself opened, submitted by the admin it opened it for, in the same
 * workspace, with the metadata the bot put in it. What the submit step uses (the reply URL above all) comes from
 * the store, never from the metadata. A store that cannot answer is a refusal: fail closed.
 */
async function checkForm(
  forms: FormRegistry,
  submission: { viewId: string; teamId: string | undefined; userId: string; metadata: object | undefined },
  expected: (form: OpenedForm) => Readonly<Record<string, string | undefined>>,
): Promise<FormCheck> {
  let form: OpenedForm | undefined;
  try {
    form = await forms.get(submission.viewId);
    // The command's listener records the form just after Slack opened it; a quick submission (or one that reaches
    // another replica) can arrive first. Wait a little for the record before calling the form unknown.
    for (let attempt = 0; !form && attempt < UNKNOWN_FORM_RETRIES; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, UNKNOWN_FORM_WAIT_MS));
      form = await forms.get(submission.viewId);
    }
  } catch (err) {
    const error = new AppError(ErrorCode.AuditUnavailable, 'Could not read the form record', {
      errorName: err instanceof Error ? err.name : typeof err,
    });
    return { ok: false, error, result: 'refused' };
  }
  const why = !form
    ? 'unknown_form'
    : form.adminUserId !== submission.userId
      ? 'other_user'
      : submission.teamId !== undefined && form.teamId !== submission.teamId
        ? 'other_team'
        : !sameValues(submission.metadata, expected(form))
          ? 'metadata_changed'
          : undefined;
  if (!form || why) {
    return {
      ok: false,
      result: 'invalid',
      error: new AppError(ErrorCode.InvalidMetadata, 'The submission does not match a form the bot opened', {
        why: why ?? 'unknown_form',
      }),
    };
  }
  return { ok: true, form };
}

function sameValues(metadata: object | undefined, expected: Readonly<Record<string, string | undefined>>): boolean {
  if (!metadata) return false;
  const actual = metadata as Record<string, unknown>;
  return Object.entries(expected).every(([key, value]) => actual[key] === value);
}

/** What the command put in a form's metadata: the first step of either form (typed, or the directory's lookup). */
export const firstStepMetadata = (f: OpenedForm) => ({
  channelId: f.channelId,
  responseUrl: f.responseUrl,
  teamId: f.teamId,
});

/** What the confirmation step (and the code step after it) carry: the first step's, and who was confirmed. */
export const confirmedMetadata = (f: OpenedForm) => ({
  ...firstStepMetadata(f),
  // A form never looked up has no confirmation, and the metadata's code cannot match undefined.
  code: f.confirmed?.code,
  accountId: f.confirmed?.accountId,
  reason: f.confirmed?.reason,
});

/** A form the admin confirmed an account in: the store's record of it, with the confirmation. */
export type Confirmed = OpenedForm & NonNullable<OpenedForm['confirmed']>;

/**
 * The reset the admin confirmed, as every path that runs it asks for it (the confirmation itself, a code read back,
 * the employee's Yes, an approved push): the account and number from the store's record of the form, never from
 * what came back in the view, and how the employee was verified.
 */
export function directoryResetRequest(
  meta: Confirmed,
  run: { readonly requestId: string; readonly adminUserId: string; readonly verification: VerificationProof },
): ResetRequest {
  return {
    requestId: run.requestId,
    teamId: meta.teamId,
    adminUserId: run.adminUserId,
    target: {
      kind: 'directory',
      code: meta.code,
      accountId: meta.accountId,
      ...(meta.phoneE164 ? { phoneE164: meta.phoneE164 } : {}),
    },
    ...(meta.reason ? { reason: meta.reason } : {}),
    ...(meta.responseUrl ? { responseUrl: meta.responseUrl } : {}),
    submissionId: meta.viewId,
    verification: run.verification,
  };
}

/**
 * The form a submission belongs to, or undefined when it was not let in (then it has been answered and audited).
 * `metadata` is what came back in the view; `expected` what the store says it must be.
 */
export async function admitSubmission(
  deps: { readonly forms: FormRegistry; readonly audit: AuditStore },
  args: {
    ack: Parameters<typeof rejectSubmission>[0];
    body: { team?: { id?: string } | null; user: { id: string } };
    viewId: string;
    requestId: string;
  },
  metadata: object | undefined,
  expected: (form: OpenedForm) => Readonly<Record<string, string | undefined>>,
  log: Logger,
): Promise<OpenedForm | undefined> {
  const teamId = args.body.team?.id ?? undefined;
  const check = await checkForm(
    deps.forms,
    { viewId: args.viewId, teamId, userId: args.body.user.id, metadata },
    expected,
  );
  if (check.ok) return check.form;
  const entry = { requestId: args.requestId, adminUserId: args.body.user.id, ...(teamId ? { teamId } : {}) };
  await rejectSubmission(args.ack, deps.audit, entry, check, log);
  return undefined;
}

/** Answers a submission that was not let in (the modal says why) and audits it. */
async function rejectSubmission(
  ack: (response: { response_action: 'update'; view: ReturnType<typeof buildResultView> }) => Promise<void>,
  audit: AuditStore,
  entry: { requestId: string; teamId?: string; adminUserId: string },
  check: Extract<FormCheck, { ok: false }>,
  log: Logger,
): Promise<void> {
  await ack({ response_action: 'update', view: buildResultView(describeError(check.error, {})) });
  log.warn({ errorCode: check.error.code, errorDetails: check.error.details }, 'rejected a form submission');
  const why = String(check.error.details.why ?? check.error.details.errorName);
  await audit
    .record(entry, { result: check.result, errorCode: `${check.error.code}:${why}` })
    .catch((err: unknown) => log.error({ err }, 'audit write failed'));
}
