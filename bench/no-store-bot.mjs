// Baseline for `npm run bench`: the compiled bot with its storage replaced by the least that keeps it working
// (no database, no limits), so that what the store costs on the reset path can be read as a ratio.
import { startBot } from '../dist/bot.js';

let seq = 0;
const claimed = new Set();
const storage = async () => ({
  engine: 'none',
  audit: {
    record: async () => undefined,
    begin: async () => `a${++seq}`,
    finish: async () => undefined,
    list: async () => [],
    recoverInterrupted: async () => [],
    recordDelivery: async () => true,
    markRedacted: async () => undefined,
    endTracking: async () => true,
    setAnnouncement: async () => undefined,
    deliveriesToResume: async () => [],
    deliveryEvents: async () => new Map(),
  },
  limits: { take: async () => ({ allowed: true }), refund: async () => undefined },
  submissions: {
    claim: async (viewId) => {
      if (claimed.has(viewId)) return false;
      claimed.add(viewId);
      return true;
    },
  },
  close: async () => undefined,
});

const bot = await startBot(process.env, { storage });
process.on('SIGTERM', () => bot.stop().then(() => process.exit(0)));
