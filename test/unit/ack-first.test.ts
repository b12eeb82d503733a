import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ackFlushed,
  callTurn,
  MAX_WAIT_MS,
  QUIET_MS,
  slackRequestArrived,
  unansweredRequests,
} from '../../src/lib/flush.js';

/** Issue 18: work after an ack waits until no Slack request waits for its own ack. */
describe('acks first (lib/flush.ts)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] });
  });
  afterEach(async () => {
    // Nothing may be left waiting or counted for the next test.
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS.patient + 10);
    expect(unansweredRequests()).toBe(0);
    vi.useRealTimers();
  });

  /** Starts `ackFlushed` and records when its work may start. */
  const work = (started: string[], name: string, patience?: 'patient') =>
    ackFlushed(patience).then(() => {
      started.push(name);
    });

  it('starts work at once when no other request waits for its ack', async () => {
    const started: string[] = [];
    const own = slackRequestArrived();
    own(); // the ack was sent
    void work(started, 'form');
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['form']);
  });

  it('keeps work until another request has been answered', async () => {
    const started: string[] = [];
    const other = slackRequestArrived();
    void work(started, 'form');
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS.urgent / 2);
    expect(started).toEqual([]);
    other();
    other(); // answering twice counts once
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['form']);
    expect(unansweredRequests()).toBe(0);
  });

  it('within a burst, waits until no request has arrived for a moment', async () => {
    const started: string[] = [];
    const first = slackRequestArrived();
    first();
    void work(started, 'form');
    const second = slackRequestArrived(); // the next request of the burst, answered at once
    second();
    await vi.advanceTimersByTimeAsync(QUIET_MS / 2);
    expect(started).toEqual([]);
    await vi.advanceTimersByTimeAsync(QUIET_MS);
    expect(started).toEqual(['form']);
  });

  it('starts work anyway once it has waited its longest, patient work later than urgent', async () => {
    const started: string[] = [];
    const stuck = slackRequestArrived(); // a request that is never answered while this runs
    void work(started, 'refusal', 'patient');
    void work(started, 'form');
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS.urgent - 1);
    expect(started).toEqual([]);
    await vi.advanceTimersByTimeAsync(2);
    expect(started).toEqual(['form']);
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS.patient - MAX_WAIT_MS.urgent);
    expect(started).toEqual(['form', 'refusal']);
    stuck();
  });

  it('starts one piece per turn of the event loop, urgent work first, each kind in the order it came', async () => {
    const started: string[] = [];
    const order: string[] = [];
    const other = slackRequestArrived();
    void work(started, 'refusal 1', 'patient');
    void work(started, 'form 1');
    void work(started, 'refusal 2', 'patient');
    void work(started, 'form 2');
    other();
    // Between two pieces the loop runs once more (its I/O: the next requests would be read and counted).
    for (let turn = 1; turn <= 4; turn++) {
      await vi.advanceTimersToNextTimerAsync();
      order.push(started.join(', '));
    }
    expect(order).toEqual([
      'form 1',
      'form 1, form 2',
      'form 1, form 2, refusal 1',
      'form 1, form 2, refusal 1, refusal 2',
    ]);
  });

  it('lets a Slack call go at once when nothing waits, and keeps it while a request waits for its ack', async () => {
    expect(callTurn()).toBeUndefined();
    const started: string[] = [];
    const other = slackRequestArrived();
    void callTurn()?.then(() => started.push('call'));
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS.call - 1);
    expect(started).toEqual([]);
    other();
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['call']);
    expect(callTurn()).toBeUndefined();
  });

  it('starts a call of work under way before new work, and after its own longest wait under a flood', async () => {
    const started: string[] = [];
    const stuck = slackRequestArrived();
    void work(started, 'form');
    void callTurn()?.then(() => started.push('call'));
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS.call + 1);
    expect(started).toEqual(['call']); // the form, on its own clock, still waits
    stuck();
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toEqual(['call', 'form']);
    const other = slackRequestArrived();
    void work(started, 'form 2');
    void callTurn()?.then(() => started.push('call 2'));
    other();
    await vi.advanceTimersByTimeAsync(QUIET_MS * 2);
    expect(started).toEqual(['call', 'form', 'call 2', 'form 2']);
  });
});
