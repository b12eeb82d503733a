import { afterEach, beforeEach, expect, vi } from 'vitest';
import { MAX_WAIT_MS, slackRequestArrived, unansweredRequests } from '../../src/lib/flush.js';
import { FakeSlack } from '../fakes/fake-slack.js';

/**
 * The set-up of the tests of the ack-first gate (lib/flush.ts) over the wire: a local Slack, time faked (setTimeout
 * and performance only, so the loop's I/O runs), and Slack requests marked as waiting for their acks; after each
 * test every one of them is answered, the gate's longest wait passes, and none is left waiting. Call inside describe.
 */
export function useAckGate(): { readonly slack: () => FakeSlack; arrived(): () => void } {
  let slack: FakeSlack | undefined;
  const pending: (() => void)[] = [];
  beforeEach(async () => {
    slack = await new FakeSlack().start();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(async () => {
    for (const answered of pending.splice(0)) answered();
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS.patient + 10);
    vi.useRealTimers();
    expect(unansweredRequests()).toBe(0);
    await slack?.stop();
  });
  return {
    slack: () => {
      if (!slack) throw new Error('useAckGate: the local Slack has not started (call it inside describe)');
      return slack;
    },
    /** A Slack request waiting for its ack: call what this returns to answer it. */
    arrived() {
      const answered = slackRequestArrived();
      pending.push(answered);
      return answered;
    },
  };
}
