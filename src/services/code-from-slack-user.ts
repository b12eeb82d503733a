import type { Logger } from 'pino';
import type { SlackUserCode, SlackUserProblem } from '../domain/slack-user-code.js';
import { AppError, asAppError, ErrorCode } from '../errors.js';
import { withTimeout } from '../lib/with-timeout.js';
import type { Directory, SlackPeople } from '../ports/index.js';

export type { SlackUserCode, SlackUserProblem } from '../domain/slack-user-code.js';

/**
 * Slack answers the command's trigger_id for 3 s: the Slack user and the directory account are found within this,
 * so that the form can still open (the admin check has had its share before).
 */
export const SLACK_USER_BUDGET_MS = 2000;

const lookupTooSlow = () =>
  new AppError(ErrorCode.DirectoryUnavailable, 'The directory lookup by email took too long', { reason: 'timeout' });

/**
 * `/resetpw @jane`: the employee code of the directory account whose email is on that Slack user's profile, to
 * start the form with. Read-only; nothing is audited, as nothing was asked of anyone yet (the form's own lookup
 * step checks the account, and records what it refuses).
 */
export function createCodeFromSlackUser(deps: {
  readonly people: SlackPeople;
  /** Absent with DIRECTORY=none: there is nothing to look an email up in. */
  readonly directory?: Directory;
  readonly budgetMs?: number;
  readonly now?: () => number;
}) {
  const budgetMs = deps.budgetMs ?? SLACK_USER_BUDGET_MS;
  const now = deps.now ?? Date.now;

  return async function codeFromSlackUser(slackUserId: string, log: Logger): Promise<SlackUserCode> {
    const stop = (why: SlackUserProblem): SlackUserCode => {
      log.info({ slackUserId, why: why.kind }, '/resetpw @user: no code to fill in');
      return { ok: false, why };
    };
    const directory = deps.directory;
    if (!directory) return stop({ kind: 'no_directory' });
    const deadline = now() + budgetMs;
    const user = await withTimeout(deps.people.lookup(slackUserId), budgetMs, () => new Error('timeout')).catch(
      () => ({ kind: 'unavailable', reason: 'timeout' }) as const,
    );
    switch (user.kind) {
      case 'found':
        break;
      case 'unavailable':
        return stop({ kind: 'slack_unavailable', reason: user.reason });
      default:
        return stop(user);
    }
    let found: Awaited<ReturnType<Directory['findByEmail']>>;
    try {
      found = await withTimeout(directory.findByEmail(user.email), Math.max(deadline - now(), 1), lookupTooSlow);
    } catch (err) {
      return stop({ kind: 'directory_error', error: asAppError(err) });
    }
    const who = { name: user.name, email: user.email };
    if (found.found === 'none') return stop({ kind: 'not_in_directory', ...who });
    if (found.found === 'many') return stop({ kind: 'many', ...who, count: found.count });
    const code = found.account.employeeCode.trim();
    if (!code) return stop({ kind: 'no_code', ...who });
    log.info({ slackUserId, directoryLogin: found.account.login }, '/resetpw @user: code found');
    return { ok: true, code };
  };
}

export type CodeFromSlackUser = ReturnType<typeof createCodeFromSlackUser>;
