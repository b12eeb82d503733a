import type { App } from '@slack/bolt';
import type { CountryCode } from 'libphonenumber-js';
import type { Logger } from 'pino';
import type { InFlight } from '../lib/in-flight.js';
import type { AdminDirectory, AuditStore, ResponseUrlNotifier } from '../ports/index.js';
import type { Announcer } from '../services/announcer.js';
import type { ResetOutcome, ResetRequest } from '../services/reset-password.js';
import { CALLBACK_ID } from '../views/reset-modal.js';
import { ackCommand, COMMAND, createOpenResetForm } from './commands/resetpw.js';
import { requestContext } from './context.js';
import { requireAdmin } from './middleware/require-admin.js';
import { createSubmitResetForm } from './views/resetpw-submit.js';

export interface ListenerDeps {
  readonly log: Logger;
  readonly directory: AdminDirectory;
  readonly audit: AuditStore;
  readonly announcer: Announcer;
  readonly resetPassword: (request: ResetRequest, log: Logger) => Promise<ResetOutcome>;
  readonly notifier: ResponseUrlNotifier;
  readonly defaultCountry: CountryCode;
  readonly adminGroup: string;
  readonly inFlight: InFlight;
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  app.use(requestContext(deps.log));
  app.command(COMMAND, ackCommand, requireAdmin(deps), createOpenResetForm(deps.defaultCountry, deps.log));
  app.view({ callback_id: CALLBACK_ID, type: 'view_submission' }, createSubmitResetForm(deps));
}
