import type { Middleware, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import { ackFlushed } from '../../lib/flush.js';
import type { AdminDirectory, AuditStore, EphemeralMessage, ResponseUrlNotifier } from '../../ports/index.js';
import { adminRefusal } from '../../services/admin-check.js';
import { type Announcer, summaryOf } from '../../services/announcer.js';
import { describeError, toEphemeralMessage } from '../../views/outcome.js';
import { requestIdOf, requestLog } from '../context.js';

const REFUSAL_WINDOW_MS = 60_000;

export interface AdminGateDeps {
  admins: AdminDirectory;
  audit: AuditStore;
  announcer: Announcer;
  adminGroup: string;
  log: Logger;
}

/** Who is asking: the Slack user, the workspace and the request's id (for the audit). */
export interface Asker {
  readonly userId: string;
  readonly teamId?: string;
  readonly requestId: string;
}

/** Whether the asker may go on; a refusal has been told (through `tell`), audited and announced when it says no. */
export type AdminGate = (
  asker: Asker,
  tell: (message: EphemeralMessage) => Promise<void>,
  log: Logger,
) => Promise<boolean>;

/**
 * Lets through only members of the admin group (a cached answer is fine here; the submit step re-checks fresh). If
 * membership cannot be established the answer is no.
 */
export function createAdminGate(deps: AdminGateDeps): AdminGate {
  const { admins, audit, announcer, adminGroup } = deps;
  return async (asker, tell, log) => {
    const refusal = await adminRefusal(admins, asker.userId);
    if (!refusal) return true;
    // Nobody's trigger waits on a refusal: its answer and audit row wait until no request is waiting for its ack,
    // so a flood of refused commands never delays anyone's ack (see lib/flush.ts).
    await ackFlushed('patient');
    log.warn({ errorCode: refusal.code, errorDetails: refusal.details }, 'refused: not shown to be an admin');
    const entry = {
      requestId: asker.requestId,
      ...(asker.teamId ? { teamId: asker.teamId } : {}),
      adminUserId: asker.userId,
    };
    const outcome = { result: 'refused', errorCode: refusal.code } as const;
    // Every refusal is answered; a repeat within a minute only counts on the row already there, and is not
    // announced again, so a flood of commands cannot bury the audit trail or the audit channel.
    const recorded = await audit
      .recordRefusal(entry, outcome, new Date(Date.now() - REFUSAL_WINDOW_MS))
      .catch((err: unknown) => {
        log.error({ err }, 'audit write failed');
        return 'recorded' as const;
      });
    const content = describeError(refusal, { adminGroup }, ':no_entry:');
    await Promise.all([
      // Logged here: a failed answer must not reach the error handler, which would try the same way again.
      tell(toEphemeralMessage(content)).catch((err: unknown) =>
        log.error({ err }, 'could not tell the caller about the refusal'),
      ),
      recorded === 'recorded' ? announcer.announce(summaryOf(entry, outcome), log) : undefined,
    ]);
    return false;
  };
}

/** The command's gate: a refusal is answered privately in the channel (the command's response_url). */
export function requireAdmin(
  deps: AdminGateDeps & { notifier: ResponseUrlNotifier },
): Middleware<SlackCommandMiddlewareArgs> {
  const admit = createAdminGate(deps);
  return async ({ command, context, next }) => {
    const asker = { userId: command.user_id, teamId: command.team_id, requestId: requestIdOf(context) };
    const tell = (message: EphemeralMessage) => deps.notifier.post(command.response_url, message);
    if (await admit(asker, tell, requestLog(context, deps.log))) await next();
  };
}
