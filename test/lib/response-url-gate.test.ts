import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createResponseUrlNotifier } from '../../src/adapters/response-url.js';
import { MAX_WAIT_MS } from '../../src/lib/flush.js';
import type { FakeSlack } from '../fakes/fake-slack.js';
import { useAckGate } from '../helpers/ack-gate.js';

/**
 * Issue 18: a reply through a command's response_url (a refusal's answer above all: a flood of refused commands
 * leaves hundreds) waits for the acks as the Web API's calls do (test/lib/slack-fetch.test.ts), before it leaves and
 * before its answer is handed back, at most MAX_WAIT_MS.call each. Over the wire, against the local Slack.
 */
describe('a response_url post waits for the acks (adapters/response-url.ts)', () => {
  const { slack: started, arrived } = useAckGate();
  let slack: FakeSlack;
  beforeEach(() => {
    slack = started();
  });

  const turns = async (n: number) => {
    for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  const notifier = () => createResponseUrlNotifier({ allowedOrigins: [new URL(slack.apiUrl).origin] });

  it('posts at once when no request waits for its ack', async () => {
    await notifier().post(slack.newResponseUrl(), { text: 'refused' });
    expect(slack.responses.map((r) => r.body.text)).toEqual(['refused']);
  });

  it('keeps the post until the request waiting for its ack has been answered', async () => {
    const answered = arrived();
    let settled = false;
    const post = notifier()
      .post(slack.newResponseUrl(), { text: 'refused' })
      .finally(() => {
        settled = true;
      });
    await turns(200);
    expect(slack.responses).toEqual([]);
    answered();
    await post;
    expect(settled).toBe(true);
    expect(slack.responses.map((r) => r.body.text)).toEqual(['refused']);
  });

  it('posts anyway once it has waited its longest, under a flood that never lets up', async () => {
    arrived(); // never answered while the post is made
    const post = notifier().post(slack.newResponseUrl(), { text: 'refused' });
    await turns(50);
    expect(slack.responses).toEqual([]);
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS.call + 1);
    for (let i = 0; i < 200 && slack.responses.length === 0; i++) await turns(1);
    expect(slack.responses.map((r) => r.body.text)).toEqual(['refused']);
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS.call + 1);
    await post;
  });
});
