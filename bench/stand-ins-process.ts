/**
 * The benchmarks' local Slack and Twilio (the test fakes) in a process of their own, so that answering the bots'
 * API calls never shares an event loop with the load generator that times their acks (see bench/stand-ins.ts,
 * which starts this and is its only caller). Driven over the IPC channel: one message per question, one answer.
 * Times are sent as epoch milliseconds with sub-millisecond precision (performance.timeOrigin + performance.now()),
 * comparable across the processes on this machine.
 */
import { FakeSlack } from '../test/fakes/fake-slack.js';
import { FakeTwilio } from '../test/fakes/fake-twilio.js';
import { sleep } from '../test/fakes/http-util.js';

export type Condition =
  | { readonly views: number }
  | { readonly responses: number }
  | { readonly response: string }
  | { readonly creates: number }
  | { readonly sent: number }
  | { readonly quiet: true }
  /** Every one of these trigger_ids opened a form. */
  | { readonly triggersUsed: readonly string[] }
  /** A form open for the user other than `other` (the one before a command). */
  | { readonly formFor: string; readonly other?: string };

export interface Counts {
  /** Forms Slack holds (each successful views.open adds one). */
  readonly views: number;
  readonly viewsOpenCalls: number;
  readonly responses: number;
  /** Twilio message creations asked for, and texts sent. */
  readonly creates: number;
  readonly sent: number;
  readonly calls: number;
  /** Every request Twilio received (status fetches included). */
  readonly twilioRequests: number;
}

export type Request =
  | { op: 'setGroup'; group: string; members: string[] }
  | { op: 'latency'; ms: number }
  | { op: 'triggers'; users: string[] }
  | { op: 'responseUrls'; n: number }
  | { op: 'counts' }
  | { op: 'waitFor'; condition: Condition; timeoutMs: number }
  | { op: 'lastView'; user: string }
  | { op: 'triggersUsed'; ids: string[] }
  | { op: 'createAt'; index: number }
  | { op: 'lastCallAt'; method: string }
  | { op: 'stop' };

const slack = await new FakeSlack().start();
const twilio = await new FakeTwilio().start();
const epoch = (performanceNow: number) => performance.timeOrigin + performanceNow;

/** FakeSlack's own record of the trigger_ids it issued, and whether each opened a form. */
const triggers = (slack as unknown as { triggers: Map<string, { used: boolean }> }).triggers;
const used = (ids: readonly string[]) => ids.filter((id) => triggers.get(id)?.used).length;

let viewsOpenCalls = 0;
const counts = (): Counts => ({
  views: slack.views.size,
  viewsOpenCalls,
  responses: slack.responses.length,
  creates: twilio.createRequests.length,
  sent: twilio.sent.length,
  calls: slack.calls.length,
  twilioRequests: twilio.requests.length,
});
// Counted as they arrive rather than filtered out of every call at each question.
const push = slack.calls.push.bind(slack.calls);
slack.calls.push = (...calls) => {
  viewsOpenCalls += calls.filter((c) => c.method === 'views.open').length;
  return push(...calls);
};
/** The last form opened for each user, kept as they open (FakeSlack.lastViewFor scans every form). */
const lastViews = new Map<string, string>();
const set = slack.views.set.bind(slack.views);
slack.views.set = (id, view) => {
  lastViews.set(view.userId, id);
  return set(id, view);
};

function met(c: Condition): boolean {
  if ('views' in c) return slack.views.size >= c.views;
  if ('responses' in c) return slack.responses.length >= c.responses;
  if ('response' in c) return slack.responses.some((r) => r.id === c.response);
  if ('creates' in c) return twilio.createRequests.length >= c.creates;
  if ('sent' in c) return twilio.sent.length >= c.sent;
  if ('triggersUsed' in c) return used(c.triggersUsed) === c.triggersUsed.length;
  if ('formFor' in c) {
    const id = lastViews.get(c.formFor);
    return id !== undefined && id !== c.other;
  }
  return slack.pending === 0 && twilio.pending === 0;
}

async function answer(r: Request): Promise<unknown> {
  switch (r.op) {
    case 'setGroup':
      slack.setGroup(r.group, r.members);
      return undefined;
    case 'latency':
      slack.latencyMs = r.ms;
      twilio.latencyMs = r.ms;
      return undefined;
    case 'triggers':
      return r.users.map((u) => slack.issueTrigger(u));
    case 'responseUrls':
      return Array.from({ length: r.n }, () => slack.newResponseUrl());
    case 'counts':
      return counts();
    case 'waitFor': {
      const deadline = Date.now() + r.timeoutMs;
      while (!met(r.condition)) {
        if (Date.now() > deadline) return { met: false, counts: counts() };
        await sleep(2);
      }
      return { met: true, counts: counts() };
    }
    case 'lastView': {
      const id = lastViews.get(r.user);
      const view = id ? slack.views.get(id) : undefined;
      return view ? { id: view.id, view: view.view } : undefined;
    }
    case 'triggersUsed':
      return used(r.ids);
    case 'createAt': {
      const at = twilio.createRequests[r.index]?.arrivedAt;
      return at === undefined ? undefined : epoch(at);
    }
    case 'lastCallAt': {
      const at = slack.calls.findLast((c) => c.method === r.method)?.arrivedAt;
      return at === undefined ? undefined : epoch(at);
    }
    case 'stop':
      await Promise.all([slack.stop(), twilio.stop()]);
      setImmediate(() => process.exit(0));
      return undefined;
  }
}

process.on('message', (message: { id: number; request: Request }) => {
  answer(message.request).then(
    (value) => process.send?.({ id: message.id, ok: true, value }),
    (err: unknown) => process.send?.({ id: message.id, ok: false, error: String(err) }),
  );
});
// The parent went away (a failed run): nothing else would stop this process.
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: { slackApiUrl: slack.apiUrl, slackUrl: slack.url, twilioUrl: twilio.url } });
