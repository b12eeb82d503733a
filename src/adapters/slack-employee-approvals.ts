import type { webApi } from '@slack/bolt';
import type { EmployeeApprovals } from '../ports/index.js';
import { approvalQuestion, approvalSettledText } from '../views/approval.js';

/**
 * The approval question in the employee's own Slack: found by the email the directory holds (users.lookupByEmail,
 * users:read.email), asked by DM (im:write, chat:write), its buttons replaced by the answer (chat.update). Whatever
 * Slack refuses is "cannot ask" (with Slack's code for the log), never an error: the admin is offered a code instead.
 */
export function createSlackEmployeeApprovals(client: webApi.WebClient): EmployeeApprovals {
  return {
    async ask(q) {
      try {
        const found = await client.users.lookupByEmail({ email: q.email });
        const userId = found.user?.id;
        if (!userId || found.user?.deleted) return { asked: false, why: 'not_in_slack' };
        // The admin cannot approve their own request (their own admin account, a shared mailbox): one person is not
        // two. Nor can a bot.
        if (userId === q.adminUserId) return { asked: false, why: 'is_the_admin' };
        if (found.user?.is_bot) return { asked: false, why: 'is_a_bot' };
        const opened = await client.conversations.open({ users: userId });
        const channel = opened.channel?.id;
        if (!channel) return { asked: false, why: 'no_dm_channel' };
        const message = approvalQuestion(q);
        const posted = await client.chat.postMessage({ channel, ...message, unfurl_links: false });
        if (!posted.ts) return { asked: false, why: 'no_message_ts' };
        return { asked: true, userId, dm: { channel, ts: posted.ts } };
      } catch (err) {
        const e = err as { data?: { error?: string }; code?: string };
        // Slack's own word for "no member has that email" is the same answer as a deleted member's.
        if (e.data?.error === 'users_not_found') return { asked: false, why: 'not_in_slack' };
        return { asked: false, why: e.data?.error ?? e.code ?? 'error' };
      }
    },
    async settle(dm, outcome) {
      const text = approvalSettledText(outcome);
      await client.chat.update({
        channel: dm.channel,
        ts: dm.ts,
        text,
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
      });
    },
  };
}
