import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { HomeRefresh } from '../../services/home-refresh.js';
import { requestLog } from '../context.js';

export const APP_HOME_OPENED = 'app_home_opened';

/**
 * The user opened the bot's App Home: its Home tab is published for them (an admin's with their resets). Slack sends
 * the same event for the Messages tab, which has nothing to publish. Failures are logged by the refresh service:
 * there is nobody to answer, Slack has had its ack.
 */
export function createAppHomeOpened(deps: { home: Pick<HomeRefresh, 'opened'>; log: Logger }) {
  return async function appHomeOpened({
    event,
    context,
  }: SlackEventMiddlewareArgs<typeof APP_HOME_OPENED> & AllMiddlewareArgs) {
    if (event.tab !== 'home') return;
    await deps.home.opened(event.user, requestLog(context, deps.log));
  };
}
