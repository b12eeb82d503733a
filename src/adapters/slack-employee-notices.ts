import type { webApi } from '@slack/bolt';
import { transportReason } from '../lib/transport-reason.js';
import type { AdminMessenger, EmployeeNoticeDelivery, EmployeeNotices } from '../ports/index.js';
import { employeeNoticeText } from '../views/employee-notice.js';

/** Slack's words for "nobody to DM": no user with that email, or one the bot may not see or reach. */
const NOT_IN_SLACK = new Set(['users_not_found', 'user_not_found', 'user_not_visible', 'user_disabled']);
/** Slack's words for "this token may not do that": a scope missing from the installed app, or the wrong token. */
const NOT_ALLOWED = new Set(['missing_scope', 'not_allowed_token_type', 'no_permission']);

/**
 * The employee's DM: found by the email the directory holds (users.lookupByEmail, scope users:read.email), told
 * through the bot's own IM channel with them (the messenger: im:write, chat:write).
 */
export function createSlackEmployeeNotices(
  client: webApi.WebClient,
  messenger: AdminMessenger,
  /** SECURITY_CONTACT, shown as given; unset: a fallback the view words. */
  securityContact: string | undefined,
): EmployeeNotices {
  return {
    async passwordReset(notice) {
      let userId: string;
      try {
        const found = await client.users.lookupByEmail({ email: notice.email });
        if (!found.user?.id) return { result: 'not_in_slack', detail: 'no_user_in_answer' };
        // Slack answers users_not_found for a deactivated member; should it ever answer with one, nobody reads its DMs.
        if (found.user.deleted) return { result: 'not_in_slack', detail: 'user_deactivated' };
        userId = found.user.id;
      } catch (err) {
        return classify(err);
      }
      try {
        await messenger.dm(userId, employeeNoticeText(notice, securityContact));
        return { result: 'sent' };
      } catch (err) {
        return classify(err);
      }
    },
  };
}

/** A WebClient error as what became of the notice, with Slack's code (and the scope it needs) for the log. */
function classify(err: unknown): EmployeeNoticeDelivery {
  const e = err as { code?: string; data?: { error?: string; needed?: string }; statusCode?: number };
  switch (e?.code) {
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'unknown';
      if (NOT_IN_SLACK.has(code)) return { result: 'not_in_slack', detail: code };
      if (NOT_ALLOWED.has(code)) {
        return { result: 'missing_scope', detail: e.data?.needed ? `${code} (needs ${e.data.needed})` : code };
      }
      return { result: 'failed', detail: code };
    }
    case 'slack_webapi_rate_limited_error':
      return { result: 'failed', detail: 'ratelimited' };
    case 'slack_webapi_http_error':
      return { result: 'failed', detail: `http_${e.statusCode ?? 'error'}` };
    default:
      return { result: 'failed', detail: transportReason(err) };
  }
}
