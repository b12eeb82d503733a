import { afterEach, describe, expect, it } from 'vitest';
import { createDeliveryReporter } from '../../src/adapters/slack-delivery-reporter.js';
import { AppError, ErrorCode } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import type { AdminMessenger, SmsDeliveryStatus, SmsSender } from '../../src/ports/index.js';
import { createAnnouncer } from '../../src/services/announcer.js';
import { createDeliveryTracker } from '../../src/services/delivery-tracker.js';
import { LogCapture } from '../helpers/harness.js';
import { type MemoryStore, memoryStore } from '../helpers/memory-store.js';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const entry = {
  requestId: 'r1',
  teamId: 'T1',
  adminUserId: 'U1',
  employee: { name: 'Jane Doe', code: 'E-1', phoneE164: '+14155552671' },
};

const stores: MemoryStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.store.close();
});

/** The tracker on the real store (in-memory SQLite), a scripted SMS provider and a clock the test moves. */
async function setup(statuses: (SmsDeliveryStatus | AppError)[], failingRedactions = 0) {
  let redactFails = failingRedactions;
  const mem = await memoryStore();
  stores.push(mem);
  let clock = T0;
  const fetched: string[] = [];
  const redacted: string[] = [];
  const dms: { userId: string; text: string }[] = [];
  const sms: SmsSender = {
    send: async () => ({ sid: 'SM1', status: 'queued' }),
    findSent: async () => [],
    async fetchStatus(sid) {
      fetched.push(sid);
      clock += 60_000; // every poll takes the clock a minute on
      const next = statuses.length > 1 ? statuses.shift() : statuses[0];
      if (next instanceof AppError) throw next;
      return next ?? { status: 'queued' };
    },
    async redact(sid) {
      if (redactFails-- > 0) throw new AppError(ErrorCode.SmsFollowUpFailed, 'x', { permanent: false });
      redacted.push(sid);
    },
  };
  const messenger: AdminMessenger = {
    async dm(userId, text) {
      dms.push({ userId, text });
    },
  };
  const logs = new LogCapture();
  const tracker = createDeliveryTracker({
    sms,
    audit: mem.audit,
    limits: mem.limits,
    reporter: createDeliveryReporter({
      announcer: createAnnouncer(undefined),
      notifier: { post: async () => Promise.reject(new Error('not used')) },
      messenger,
    }),
    log: createLogger({ level: 'debug', destination: logs }),
    firstPollMs: 1,
    redact: true,
    now: () => clock,
  });
  const sent = async (trackForMs: number) => {
    const id = await mem.audit.begin(entry);
    await mem.audit.finish(id, {
      result: 'sent',
      messageSid: 'SM1',
      deliveryStatus: 'queued',
      trackUntil: new Date(clock + trackForMs),
    });
    return id;
  };
  const row = async () => (await mem.audit.list({ limit: 1 }))[0];
  const settle = async () => {
    for (let i = 0; i < 100 && tracker.size > 0; i++) await new Promise((r) => setTimeout(r, 5));
  };
  return { tracker, mem, fetched, redacted, dms, logs, sent, row, settle };
}

describe('delivery tracker', () => {
  it('gives up when tracking time runs out without a final state, and says so once', async () => {
    const s = await setup([{ status: 'sent' }]);
    await s.sent(150_000);
    expect(await s.tracker.resume()).toBe(1);
    await s.settle();
    expect(s.fetched.length).toBe(3); // 10:01 sent, 10:02, 10:03 past the 10:02:30 deadline
    expect(s.dms).toHaveLength(1);
    expect(s.dms[0]?.text).toContain('No delivery report: temporary password text');
    expect(s.dms[0]?.text).toContain('status `sent`');
    expect(s.redacted).toEqual(['SM1']);
    expect(await s.row()).toMatchObject({ result: 'sent', deliveryStatus: 'sent' });
    expect((await s.row())?.trackUntil).toBeUndefined();
    expect(await s.tracker.resume()).toBe(0); // nothing left to pick up
  });

  it('retries a failed redaction, and a restart redacts a final message that was not redacted yet', async () => {
    const s = await setup([{ status: 'delivered' }], 5);
    const id = await s.sent(600_000);
    await s.tracker.resume();
    await s.settle();
    expect(s.redacted).toEqual([]);
    expect(await s.row()).toMatchObject({ id, result: 'delivered' });
    expect(s.logs.text.match(/could not redact the message body/g)).toHaveLength(3);

    // Same store, new process: the final, unredacted row is all that is left to do.
    const redactedAfterRestart: string[] = [];
    const again = createDeliveryTracker({
      sms: restartedSms(redactedAfterRestart),
      audit: s.mem.audit,
      limits: s.mem.limits,
      reporter: createDeliveryReporter({
        announcer: createAnnouncer(undefined),
        notifier: { post: async () => undefined },
        messenger: { dm: async () => undefined },
      }),
      log: createLogger({ level: 'silent' }),
      firstPollMs: 1,
      redact: true,
    });
    expect(await again.resume()).toBe(1);
    await again.stop();
    expect(redactedAfterRestart).toEqual(['SM1']);
    expect((await s.row())?.redactedAt).toBeDefined();
    expect(await again.resume()).toBe(0);
  });

  it('stops at once and leaves the rest for the next start', async () => {
    const s = await setup([{ status: 'queued' }]);
    await s.sent(3_600_000);
    await s.tracker.resume();
    await s.tracker.stop();
    const polls = s.fetched.length;
    await new Promise((r) => setTimeout(r, 30));
    expect(s.fetched.length).toBe(polls);
    expect(await s.row()).toMatchObject({ result: 'sent', trackUntil: expect.any(String) });
  });
});

function restartedSms(redacted: string[]): SmsSender {
  return {
    send: async () => ({ sid: 'x', status: 'queued' }),
    findSent: async () => [],
    fetchStatus: async () => ({ status: 'delivered' }),
    async redact(sid) {
      redacted.push(sid);
    },
  };
}
