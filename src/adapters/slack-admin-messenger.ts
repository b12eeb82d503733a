import type { webApi } from '@slack/bolt';
import type { AdminMessenger } from '../ports/index.js';

/** DMs through the bot's own IM channel with the user (scopes im:write and chat:write). */
export function createSlackAdminMessenger(client: webApi.WebClient): AdminMessenger {
  return {
    async dm(userId, text) {
      const opened = await client.conversations.open({ users: userId });
      const channel = opened.channel?.id;
      if (!channel) throw new Error('conversations.open returned no channel');
      await client.chat.postMessage({ channel, text, unfurl_links: false });
    },
  };
}
