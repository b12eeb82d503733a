import type { AnyMiddlewareArgs, App, Middleware } from '@slack/bolt';
import type { CountryCode } from 'libphonenumber-js';
import type { Logger } from 'pino';
import type { NumberRules } from '../domain/phone.js';
import type { InFlight } from '../lib/in-flight.js';
import type { AdminDirectory, AdminMessenger, AuditStore, FormRegistry, ResponseUrlNotifier } from '../ports/index.js';
import type { Announcer } from '../services/announcer.js';
import type { CodeFromSlackUser } from '../services/code-from-slack-user.js';
import type { HomeRefresh } from '../services/home-refresh.js';
import type { LookupEmployee } from '../services/lookup-employee.js';
import type { ResetPassword } from '../services/reset-password.js';
import type { MessageContext } from '../user-messages.js';
import { HOME_ACTION_IDS } from '../views/app-home.js';
import { APPROVAL_ACTION_IDS } from '../views/approval.js';
import { buildLookupModal, DIRECTORY_CALLBACK_IDS } from '../views/directory-modal.js';
import { buildResetModal, CALLBACK_ID } from '../views/reset-modal.js';
import { VERIFY_APPROVAL_CALLBACK_ID, VERIFY_CALLBACK_ID } from '../views/verification-modal.js';
import { ackAction, createHomeResetButton } from './actions/app-home-reset.js';
import { createApprovalAnswer } from './actions/verify-approval.js';
import { ackCommand, answerCommandText, COMMAND, createOpenFromCommand } from './commands/resetpw.js';
import { requestContext } from './context.js';
import { APP_HOME_OPENED, createAppHomeOpened } from './events/app-home-opened.js';
import { createAdminGate, requireAdmin } from './middleware/require-admin.js';
import { createFormOpener } from './open-form.js';
import { createCloseApprovalView, createSubmitApprovalView } from './views/approval-step.js';
import { createSubmitConfirm, createSubmitLookup } from './views/directory-submit.js';
import { createResetRunner } from './views/report-outcome.js';
import { createSubmitResetForm } from './views/resetpw-submit.js';
import type { VerificationDeps } from './views/step-deps.js';
import { createSubmitCode } from './views/verify-code-submit.js';

export interface ListenerDeps {
  readonly log: Logger;
  readonly admins: AdminDirectory;
  readonly audit: AuditStore;
  readonly forms: FormRegistry;
  readonly announcer: Announcer;
  readonly resetPassword: ResetPassword;
  /** `/resetpw @jane`: the code of the directory account with that Slack user's email. */
  readonly codeFromSlackUser: CodeFromSlackUser;
  /** VERIFY_EMPLOYEE with a directory: the methods the confirmation offers, and the code step's service. */
  readonly verification?: VerificationDeps;
  /** With a directory: the lookup step and how admins know the directory. Without: the typed form. */
  readonly directory?: { readonly label: string; readonly lookupEmployee: LookupEmployee };
  readonly notifier: ResponseUrlNotifier;
  /** DMs to an admin: what a form opened from the App Home (which has no channel) has to say. */
  readonly messenger: AdminMessenger;
  /** The App Home: published when opened. */
  readonly home: Pick<HomeRefresh, 'opened'>;
  readonly defaultCountry: CountryCode;
  readonly numbers: NumberRules;
  readonly messages: MessageContext;
  readonly adminGroup: string;
  readonly inFlight: InFlight;
}

/**
 * Acknowledges at once anything that is not this bot's command, one of its forms, the App Home's button or its
 * opening (another action, a shortcut, a stranger's view), so that Slack gets its answer instead of waiting 3 s for
 * a listener that does not exist.
 */
/** The buttons the bot answers: the App Home's, and the approval question's in an employee's DM. */
const OUR_ACTIONS = new Set<string>([HOME_ACTION_IDS.reset, ...Object.values(APPROVAL_ACTION_IDS)]);

function ignoreOthers(callbackIds: readonly string[]): Middleware<AnyMiddlewareArgs> {
  const ours = new Set(callbackIds);
  return async (args) => {
    const body = args.body as {
      command?: unknown;
      type?: unknown;
      view?: { callback_id?: unknown };
      actions?: unknown;
      event?: { type?: unknown };
    };
    const actions = Array.isArray(body.actions) ? (body.actions as { action_id?: unknown }[]) : [];
    const mine =
      body.command === COMMAND ||
      ((body.type === 'view_submission' || body.type === 'view_closed') && ours.has(String(body.view?.callback_id))) ||
      (body.type === 'block_actions' && actions.some((a) => OUR_ACTIONS.has(String(a?.action_id)))) ||
      (body.type === 'event_callback' && body.event?.type === APP_HOME_OPENED);
    if (mine) {
      await args.next();
      return;
    }
    const ack = (args as { ack?: () => Promise<void> }).ack;
    if (ack) await ack();
    args.logger.debug('acknowledged a Slack request this bot does not handle');
  };
}

/** One listener per Slack surface: the command, each step of the form, the App Home and its button. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  const runReset = createResetRunner({
    resetPassword: deps.resetPassword,
    notifier: deps.notifier,
    messenger: deps.messenger,
    inFlight: deps.inFlight,
    messages: deps.messages,
  });
  app.use(requestContext(deps.log));
  app.use(
    ignoreOthers(
      deps.directory
        ? [...Object.values(DIRECTORY_CALLBACK_IDS), VERIFY_CALLBACK_ID, VERIFY_APPROVAL_CALLBACK_ID]
        : [CALLBACK_ID],
    ),
  );
  const directory = deps.directory;
  // The command and the App Home's button open the same form: the typed one, or the directory's lookup step.
  const open = createFormOpener(
    directory
      ? (privateMetadata, code) =>
          buildLookupModal({ privateMetadata, directoryLabel: directory.label, ...(code ? { code } : {}) })
      : (privateMetadata, code) =>
          buildResetModal({ privateMetadata, defaultCountry: deps.defaultCountry, ...(code ? { code } : {}) }),
    deps.forms,
    deps.log,
  );
  app.command(COMMAND, ackCommand, answerCommandText, requireAdmin(deps), createOpenFromCommand({ ...deps, open }));
  app.event(APP_HOME_OPENED, createAppHomeOpened(deps));
  app.action(
    { type: 'block_actions', action_id: HOME_ACTION_IDS.reset },
    ackAction,
    createHomeResetButton({ ...deps, admit: createAdminGate(deps), open }),
  );
  if (!directory) {
    app.view({ callback_id: CALLBACK_ID, type: 'view_submission' }, createSubmitResetForm({ ...deps, runReset }));
    return;
  }
  const stepDeps = { ...deps, runReset, directoryLabel: directory.label, lookupEmployee: directory.lookupEmployee };
  app.view({ callback_id: DIRECTORY_CALLBACK_IDS.lookup, type: 'view_submission' }, createSubmitLookup(stepDeps));
  app.view({ callback_id: DIRECTORY_CALLBACK_IDS.confirm, type: 'view_submission' }, createSubmitConfirm(stepDeps));
  const verification = deps.verification;
  if (!verification) return;
  const withVerification = { ...stepDeps, verification };
  app.view({ callback_id: VERIFY_CALLBACK_ID, type: 'view_submission' }, createSubmitCode(withVerification));
  const approval = verification.approval;
  if (!approval) return;
  app.view(
    { callback_id: VERIFY_APPROVAL_CALLBACK_ID, type: 'view_submission' },
    createSubmitApprovalView(withVerification),
  );
  app.view(
    { callback_id: VERIFY_APPROVAL_CALLBACK_ID, type: 'view_closed' },
    createCloseApprovalView(withVerification),
  );
  const answer = createApprovalAnswer({ ...stepDeps, approval: approval.service });
  for (const action_id of Object.values(APPROVAL_ACTION_IDS)) {
    app.action({ type: 'block_actions', action_id }, ackAction, answer);
  }
}
