import type { webApi } from '@slack/bolt';
import type { SlackPeople, SlackUserLookup } from '../ports/index.js';

const EMAIL_SCOPE = 'users:read.email';

/**
 * Slack users through users.info (scope users:read). The email is only in the answer with users:read.email, and
 * Slack leaves it out silently without that scope: the scopes Slack says the token has (x-oauth-scopes, which the
 * WebClient puts in response_metadata.scopes) tell a profile without an email from a token that may not read it.
 */
export function createSlackPeople(client: webApi.WebClient): SlackPeople {
  return {
    async lookup(userId): Promise<SlackUserLookup> {
      let answer: webApi.UsersInfoResponse;
      try {
        answer = await client.users.info({ user: userId });
      } catch (err) {
        return failed(err);
      }
      const user = answer.user;
      if (!user) return { kind: 'no_user' };
      const name = user.real_name || user.profile?.real_name || user.name || userId;
      const email = user.profile?.email?.trim();
      if (email) return { kind: 'found', name, email };
      const scopes = answer.response_metadata?.scopes;
      if (scopes && !scopes.includes(EMAIL_SCOPE)) return { kind: 'missing_scope', scope: EMAIL_SCOPE };
      return { kind: 'no_email', name };
    },
  };
}

function failed(err: unknown): SlackUserLookup {
  const e = err as { code?: string; data?: { error?: string; needed?: string } };
  if (e?.code === 'slack_webapi_platform_error') {
    const error = e.data?.error ?? 'unknown';
    if (error === 'user_not_found' || error === 'user_not_visible') return { kind: 'no_user' };
    if (error === 'missing_scope') return { kind: 'missing_scope', scope: e.data?.needed ?? 'users:read' };
    return { kind: 'unavailable', reason: error };
  }
  if (e?.code === 'slack_webapi_rate_limited_error') return { kind: 'unavailable', reason: 'rate_limited' };
  return { kind: 'unavailable', reason: e?.code ?? 'request_failed' };
}
