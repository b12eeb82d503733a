import type { Middleware, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AdminDirectory, AuditStore, ResponseUrlNotifier } from '../../ports/index.js';
import { adminRefusal } from '../../services/admin-check.js';
import { type Announcer, summaryOf } from '../../services/announcer.js';
import { describeError, toEphemeralMessage } from '../../views/outcome.js';
import { requestIdOf, requestLog } from '../context.js';

const REFUSAL_WINDOW_MS = 60_000;

/**
 * Lets a command through only for members of the admin group (a cached answer is fine here; the submit step
 * re-checks fresh). If membership cannot be established the answer is no.
 */
export function requireAdmin(deps: {
  admins: AdminDirectory;
  audit: AuditStore;
  announcer: Announcer;
  notifier: ResponseUrlNotifier;
  adminGroup: string;
  log: Logger;
}): Middleware<SlackCommandMiddlewareArgs> {
  const { admins, audit, announcer, notifier, adminGroup, log } = deps;
  return async ({ command, context, next }) => {
    const reqLog = requestLog(context, log);
    const refusal = await adminRefusal(admins, command.user_id);
    if (!refusal) {
      await next();
      return;
    }
    reqLog.warn({ errorCode: refusal.code, errorDetails: refusal.details }, 'command refused');
    const entry = { requestId: requestIdOf(context), teamId: command.team_id, adminUserId: command.user_id };
    const outcome = { result: 'refused', errorCode: refusal.code } as const;
    // Every refusal is answered; a repeat within a minute only counts on the row already there, and is not
    // announced again, so a flood of commands cannot bury the audit trail or the audit channel.
    const recorded = await audit
      .recordRefusal(entry, outcome, new Date(Date.now() - REFUSAL_WINDOW_MS))
      .catch((err: unknown) => {
        reqLog.error({ err }, 'audit write failed');
        return 'recorded' as const;
      });
    const content = describeError(refusal, { adminGroup }, ':no_entry:');
    await Promise.all([
      // Logged here: a failed post must not reach the error handler, which would post to the same URL again.
      notifier
        .post(command.response_url, toEphemeralMessage(content))
        .catch((err: unknown) => reqLog.error({ err }, 'could not tell the caller about the refusal')),
      recorded === 'recorded' ? announcer.announce(summaryOf(entry, outcome), reqLog) : undefined,
    ]);
  };
}
