import { get } from 'node:http';
import { webApi } from '@slack/bolt';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_WAIT_MS } from '../../src/lib/flush.js';
import { createSlackFetch } from '../../src/lib/slack-fetch.js';
import type { FakeSlack } from '../fakes/fake-slack.js';
import { useAckGate } from '../helpers/ack-gate.js';

/**
 * Issue 18: the WebClient starts the calls it queued as answers come back, outside the gate their callers passed, so
 * its fetch meets the ack-first gate again: a call's request does not leave, and its answer is not handed back,
 * while a Slack request waits for its ack (at most MAX_WAIT_MS.call). Over the wire: the real WebClient with the
 * bot's fetch against the local Slack. Time is faked (setTimeout and performance only, so the loop's I/O runs):
 * a call held by the gate stays held until a request is answered or the test moves the clock past its longest wait.
 */
describe('the Slack WebClient waits for the acks (lib/slack-fetch.ts)', () => {
  const { slack: started, arrived } = useAckGate();
  let slack: FakeSlack;
  let client: webApi.WebClient;
  beforeEach(() => {
    slack = started();
    client = new webApi.WebClient('xoxb-test', {
      slackApiUrl: `${slack.apiUrl}/`,
      fetch: createSlackFetch(),
      retryConfig: { retries: 0 },
    });
  });

  /** Turns of the event loop (its I/O included) until `done`. */
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 10_000 && !done(); i++) await new Promise((resolve) => setImmediate(resolve));
    expect(done()).toBe(true);
  };
  /** A request to the local Slack and its answer, both ways over the loopback (the held call's bytes had time). */
  const roundTrip = () =>
    new Promise<void>((resolve, reject) => {
      get(`${slack.url}/nothing`, (res) => res.resume().on('end', resolve)).on('error', reject);
    });
  const post = () => client.chat.postMessage({ channel: 'C0AUDIT', text: 'hello' });
  const posted = () => slack.callsTo('chat.postMessage');

  it('sends at once when no request waits for its ack', async () => {
    const result = await post();
    expect(result.ok).toBe(true);
    expect(posted().map((c) => c.args)).toEqual([expect.objectContaining({ channel: 'C0AUDIT', text: 'hello' })]);
  });

  it('keeps the request until the request waiting for its ack has been answered', async () => {
    const answered = arrived();
    let settled = false;
    const call = post().finally(() => {
      settled = true;
    });
    for (let i = 0; i < 3; i++) await roundTrip();
    expect(posted()).toEqual([]);
    answered();
    expect((await call).ok).toBe(true);
    expect(settled).toBe(true);
    expect(posted().map((c) => c.args)).toEqual([expect.objectContaining({ channel: 'C0AUDIT', text: 'hello' })]);
  });

  it('keeps the answer of a call that left before a request arrived until that request has been answered', async () => {
    slack.failNext('chat.postMessage', { delayMs: 10 }); // the answer comes back after the next request arrived
    let settled = false;
    const call = post().finally(() => {
      settled = true;
    });
    await until(() => posted().length === 1);
    const answered = arrived();
    await vi.advanceTimersByTimeAsync(10);
    await until(() => slack.pending === 0);
    for (let i = 0; i < 3; i++) await roundTrip();
    expect(settled).toBe(false);
    answered();
    expect((await call).ok).toBe(true);
  });

  it('sends anyway once it has waited its longest, under a flood that never lets up', async () => {
    arrived(); // never answered while the call is made
    const call = post();
    await roundTrip();
    expect(posted()).toEqual([]);
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS.call + 1);
    await until(() => posted().length === 1);
    // Its answer waits as long again at most.
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS.call + 1);
    expect((await call).ok).toBe(true);
  });

  it('lets the admin check’s own client go at once (it is asked before its own request’s ack)', async () => {
    const adminClient = new webApi.WebClient('xoxb-test', {
      slackApiUrl: `${slack.apiUrl}/`,
      fetch: createSlackFetch({ gated: false }),
      retryConfig: { retries: 0 },
    });
    arrived(); // the lookup's own request, not acked yet
    const result = await adminClient.chat.postMessage({ channel: 'C0AUDIT', text: 'at once' });
    expect(result.ok).toBe(true);
    expect(posted().map((c) => c.args.text)).toEqual(['at once']);
  });
});
