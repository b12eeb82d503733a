// Baseline for `npm run bench`: the compiled bot with its storage replaced by the least that keeps it working
// (no database, no limits), so that what the store costs on the reset path can be read as a ratio.
import { startBot } from '../dist/bot.js';

let seq = 0;
const claimed = new Set();
const forms = new Map();
const storage = async () => ({
  engine: 'none',
  audit: {
    record: async () => undefined,
    recordRefusal: async () => 'recorded',
    begin: async () => `a${++seq}`,
    finish: async () => true,
    list: async () => [],
    recoverInterrupted: async () => [],
    recordDelivery: async () => true,
    markRedacted: async () => undefined,
    endTracking: async () => true,
    setAnnouncement: async () => undefined,
    deliveriesToResume: async () => [],
    deliveryEvents: async () => new Map(),
    moveDirectoryStep: async () => true,
    latestDirectoryWrite: async () => undefined,
    scramblesToRetry: async () => [],
  },
  limits: { take: async () => ({ allowed: true }), refund: async () => undefined },
  submissions: {
    claim: async (viewId) => {
      if (claimed.has(viewId)) return false;
      claimed.add(viewId);
      return true;
    },
  },
  forms: {
    opened: async (form) => void forms.set(form.viewId, form),
    get: async (viewId) => forms.get(viewId),
    confirm: async (viewId, confirmed) => void forms.set(viewId, { ...forms.get(viewId), confirmed }),
  },
  expiries: {
    schedule: async () => undefined,
    claimDue: async () => undefined,
    nextDueAt: async () => undefined,
    release: async () => undefined,
    finish: async () => undefined,
  },
  ping: async () => undefined,
  close: async () => undefined,
});

const bot = await startBot(process.env, { storage });
process.on('SIGTERM', () => bot.stop().then(() => process.exit(0)));
