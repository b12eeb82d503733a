import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createResponseUrlNotifier } from '../../src/adapters/response-url.js';
import { MAX_WAIT_MS, slackRequestArrived, unansweredRequests } from '../../src/lib/flush.js';
import { FakeSlack } from '../fakes/fake-slack.js';

/**
 * Issue 18: a reply through a command's response_url (a refusal's answer above all: a flood of refused commands
 * leaves hundreds) waits for the acks as the Web API's calls do (test/lib/slack-fetch.test.ts), before it leaves and
 * before its answer is handed back, at most MAX_WAIT_MS.call each. Over the wire, against the local Slack.
 */
describe('a response_url post waits for the acks (adapters/response-url.ts)', () => {
  let slack: FakeSlack;
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
    await slack.stop();
  });

  const arrived = () => {
    const answered = slackRequestArrived();
    pending.push(answered);
    return answered;
  };
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

/** A reply whose answer breaks off half-way settles (an outsider's finding): nothing awaiting it hangs for good. */
describe('a response_url answer that breaks off', () => {
  it('rejects the post', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'Content-Length': '100' });
        res.write('ok');
        setTimeout(() => res.socket?.destroy(), 20);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const notifier = createResponseUrlNotifier({ allowedOrigins: [origin], timeoutMs: 500 });
      await expect(notifier.post(`${origin}/hooks/x`, { text: 'hi' })).rejects.toThrow(/broke off/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
