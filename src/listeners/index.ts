import type { AnyMiddlewareArgs, App, Middleware } from '@slack/bolt';
import type { CountryCode } from 'libphonenumber-js';
import type { Logger } from 'pino';
import type { NumberRules } from '../domain/phone.js';
import type { InFlight } from '../lib/in-flight.js';
import type { AdminDirectory, AuditStore, FormRegistry, ResponseUrlNotifier } from '../ports/index.js';
import type { Announcer } from '../services/announcer.js';
import type { LookupEmployee } from '../services/lookup-employee.js';
import type { ResetPassword } from '../services/reset-password.js';
import type { MessageContext } from '../user-messages.js';
import { buildLookupModal, DIRECTORY_CALLBACK_IDS } from '../views/directory-modal.js';
import { buildResetModal, CALLBACK_ID } from '../views/reset-modal.js';
import { ackCommand, answerCommandText, COMMAND, createOpenResetForm } from './commands/resetpw.js';
import { requestContext } from './context.js';
import { requireAdmin } from './middleware/require-admin.js';
import { createSubmitConfirm, createSubmitLookup } from './views/directory-submit.js';
import { createResetRunner } from './views/report-outcome.js';
import { createSubmitResetForm } from './views/resetpw-submit.js';

export interface ListenerDeps {
  readonly log: Logger;
  readonly admins: AdminDirectory;
  readonly audit: AuditStore;
  readonly forms: FormRegistry;
  readonly announcer: Announcer;
  readonly resetPassword: ResetPassword;
  /** With a directory: the lookup step and how admins know the directory. Without: the typed form. */
  readonly directory?: { readonly label: string; readonly lookupEmployee: LookupEmployee };
  readonly notifier: ResponseUrlNotifier;
  readonly defaultCountry: CountryCode;
  readonly numbers: NumberRules;
  readonly messages: MessageContext;
  readonly adminGroup: string;
  readonly inFlight: InFlight;
}

/**
 * Acknowledges at once anything that is not this bot's command or one of its forms (an action, a shortcut, a
 * stranger's view), so that Slack gets its answer instead of waiting 3 s for a listener that does not exist.
 */
function ignoreOthers(callbackIds: readonly string[]): Middleware<AnyMiddlewareArgs> {
  const ours = new Set(callbackIds);
  return async (args) => {
    const body = args.body as { command?: unknown; type?: unknown; view?: { callback_id?: unknown } };
    const mine =
      body.command === COMMAND || (body.type === 'view_submission' && ours.has(String(body.view?.callback_id)));
    if (mine) {
      await args.next();
      return;
    }
    const ack = (args as { ack?: () => Promise<void> }).ack;
    if (ack) await ack();
    args.logger.debug('acknowledged a Slack request this bot does not handle');
  };
}

/** One listener per Slack surface: the command, and each step of the form. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  const runReset = createResetRunner({
    resetPassword: deps.resetPassword,
    notifier: deps.notifier,
    inFlight: deps.inFlight,
    messages: deps.messages,
  });
  const gate = requireAdmin(deps);
  app.use(requestContext(deps.log));
  app.use(ignoreOthers(deps.directory ? Object.values(DIRECTORY_CALLBACK_IDS) : [CALLBACK_ID]));
  const directory = deps.directory;
  if (!directory) {
    const open = createOpenResetForm(
      (privateMetadata, code) =>
        buildResetModal({ privateMetadata, defaultCountry: deps.defaultCountry, ...(code ? { code } : {}) }),
      deps.forms,
      deps.log,
    );
    app.command(COMMAND, ackCommand, answerCommandText, gate, open);
    app.view({ callback_id: CALLBACK_ID, type: 'view_submission' }, createSubmitResetForm({ ...deps, runReset }));
    return;
  }
  const open = createOpenResetForm(
    (privateMetadata, code) =>
      buildLookupModal({ privateMetadata, directoryLabel: directory.label, ...(code ? { code } : {}) }),
    deps.forms,
    deps.log,
  );
  app.command(COMMAND, ackCommand, answerCommandText, gate, open);
  const stepDeps = { ...deps, runReset, directoryLabel: directory.label, lookupEmployee: directory.lookupEmployee };
  app.view({ callback_id: DIRECTORY_CALLBACK_IDS.lookup, type: 'view_submission' }, createSubmitLookup(stepDeps));
  app.view({ callback_id: DIRECTORY_CALLBACK_IDS.confirm, type: 'view_submission' }, createSubmitConfirm(stepDeps));
}
