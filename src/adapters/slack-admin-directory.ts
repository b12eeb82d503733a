import type { webApi } from '@slack/bolt';
import { AppError, ErrorCode } from '../errors.js';
import { withTimeout } from '../lib/with-timeout.js';
import type { AdminDirectory } from '../ports/index.js';

export interface SlackAdminDirectoryOptions {
  readonly client: webApi.WebClient;
  readonly groupId: string;
  /** How long a membership list may be reused for non-fresh checks; at most 60 s by policy. */
  readonly cacheTtlMs?: number;
  /** Give up (and so refuse) after this long; the command path must still open a form within Slack's 3 s. */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

export function createSlackAdminDirectory(options: SlackAdminDirectoryOptions): AdminDirectory {
  const { client, groupId, timeoutMs = 2000, now = Date.now } = options;
  const cacheTtlMs = Math.min(options.cacheTtlMs ?? 60_000, 60_000);
  let cached: { members: ReadonlySet<string>; at: number } | undefined;
  let pending: Promise<ReadonlySet<string>> | undefined;

  const fetchMembers = async (): Promise<ReadonlySet<string>> => {
    const startedAt = now();
    const listed = client.usergroups.users.list({ usergroup: groupId });
    const timedOut = () => new AppError(ErrorCode.AdminCheckFailed, 'Admin check timed out', { reason: 'timeout' });
    const result = await withTimeout(listed, timeoutMs, timedOut).catch((err) => {
      throw classifySlackError(err);
    });
    const members = new Set(result.users ?? []);
    if (!cached || cached.at <= startedAt) cached = { members, at: startedAt };
    return members;
  };

  return {
    async isAdmin(userId, { fresh = false } = {}) {
      if (fresh) return (await fetchMembers()).has(userId);
      if (cached && now() - cached.at < cacheTtlMs) return cached.members.has(userId);
      // Concurrent cached-path checks share one request: user-group listing is a Tier 2 method.
      pending ??= fetchMembers().finally(() => {
        pending = undefined;
      });
      return (await pending).has(userId);
    },
  };
}

/** Maps WebClient errors (platform, rate limit, HTTP, transport) onto one fail-closed code with a reason. */
export function classifySlackError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as {
    code?: string;
    data?: { error?: string; needed?: string };
    retryAfter?: number;
    statusCode?: number;
  };
  switch (e?.code) {
    case 'slack_webapi_platform_error':
      return new AppError(ErrorCode.AdminCheckFailed, 'Slack refused the admin check', {
        reason: e.data?.error ?? 'unknown',
        needed: e.data?.needed,
      });
    case 'slack_webapi_rate_limited_error':
      return new AppError(ErrorCode.AdminCheckFailed, 'Slack rate limited the admin check', {
        reason: 'rate_limited',
        retryAfterSeconds: e.retryAfter,
      });
    case 'slack_webapi_http_error':
      return new AppError(ErrorCode.AdminCheckFailed, 'Slack answered the admin check with an HTTP error', {
        reason: `http_${e.statusCode ?? 'error'}`,
      });
    default:
      return new AppError(ErrorCode.AdminCheckFailed, 'Admin check request failed', {
        reason: e?.code ?? 'request_failed',
      });
  }
}
