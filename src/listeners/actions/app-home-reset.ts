import type { AllMiddlewareArgs, BlockAction, Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import { ackFlushed } from '../../lib/flush.js';
import type { AdminMessenger } from '../../ports/index.js';
import type { HomeRefresh } from '../../services/home-refresh.js';
import { requestIdOf, requestLog } from '../context.js';
import type { AdminGate } from '../middleware/require-admin.js';
import type { FormOpener } from '../open-form.js';

/** An empty ack first, as for the command: Slack's 3 s clock is satisfied before any I/O. */
export const ackAction: Middleware<SlackActionMiddlewareArgs> = async ({ ack, next }) => {
  await ack();
  await ackFlushed();
  await next();
};

/**
 * The App Home's "Reset a password" button: the admin check, then the same form the command opens. The Home has no
 * channel, so a refusal is told by DM, and the Home is published again (without the button, for a non-admin).
 */
export function createHomeResetButton(deps: {
  admit: AdminGate;
  open: FormOpener;
  messenger: AdminMessenger;
  home: Pick<HomeRefresh, 'opened'>;
  log: Logger;
}) {
  return async function homeResetButton({ body, client, context }: SlackActionMiddlewareArgs & AllMiddlewareArgs) {
    const action = body as BlockAction;
    const log = requestLog(context, deps.log);
    const userId = action.user.id;
    const teamId = action.team?.id ?? action.user.team_id;
    const asker = { userId, requestId: requestIdOf(context), ...(teamId ? { teamId } : {}) };
    if (!(await deps.admit(asker, (message) => deps.messenger.dm(userId, message.text), log))) {
      await deps.home.opened(userId, log);
      return;
    }
    if (!teamId) {
      log.error('a Home button press without a workspace id: no form opened');
      return;
    }
    await deps.open({ client, context, triggerId: action.trigger_id, adminUserId: userId, origin: { teamId } });
  };
}
