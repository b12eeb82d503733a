import type { webApi } from '@slack/bolt';
import type { AuditChannel } from '../ports/index.js';
import { buildAuditMessage } from '../views/audit-message.js';

/** Posts to AUDIT_CHANNEL_ID (scope chat:write; the bot must be a member of a private channel). */
export function createSlackAuditChannel(client: webApi.WebClient, channel: string): AuditChannel {
  return {
    async announce(summary) {
      const res = await client.chat.postMessage({ channel, ...buildAuditMessage(summary), unfurl_links: false });
      if (!res.ts) throw new Error('chat.postMessage returned no ts');
      return res.ts;
    },
    async update(ts, summary) {
      await client.chat.update({ channel, ts, ...buildAuditMessage(summary) });
    },
  };
}
