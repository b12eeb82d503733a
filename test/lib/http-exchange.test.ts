import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResponseUrlNotifier } from '../../src/adapters/response-url.js';
import { createTwilioSmsSender } from '../../src/adapters/twilio-sms.js';
import { ErrorCode } from '../../src/errors.js';
import { HttpExchangeError, httpExchange } from '../../src/lib/http-exchange.js';
import { createSlackFetch } from '../../src/lib/slack-fetch.js';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, FAKE_FROM } from '../fakes/fake-twilio.js';

/**
 * The one HTTP exchange the Slack Web API's fetch, the response_url posts and the Twilio SDK's client share
 * (lib/http-exchange.ts): a whole answer, an answer that breaks off half-way, and no answer in time each settle it,
 * over the wire against a local server, and each transport reads them its own way.
 */
describe('the shared HTTP exchange', () => {
  let server: Server;
  let origin: string;
  const bodies: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        if (req.url?.includes('silent')) return; // never answers
        // Twilio's Messages too: TWILIO_API_URL replaces only the scheme and host.
        if (req.url?.includes('break') || req.url?.endsWith('/Messages.json')) {
          res.writeHead(200, { 'Content-Length': '100' });
          res.write('{"ok":');
          setTimeout(() => res.socket?.destroy(), 20);
          return;
        }
        res.writeHead(201, { 'Content-Type': 'application/json', 'X-Seen': 'yes' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the body and collects the whole answer', async () => {
    const answer = await httpExchange(new URL(`${origin}/whole`), { method: 'POST', body: 'a=1', timeoutMs: 1000 });
    expect(answer).toMatchObject({ statusCode: 201, statusMessage: 'Created', headers: { 'x-seen': 'yes' } });
    expect(answer.body.toString('utf8')).toBe('{"ok":true}');
    expect(bodies.at(-1)).toBe('a=1');
  });

  it.each([
    ['breaks off', '/break', 'broke_off', 'ECONNRESET'],
    ['does not come in time', '/silent', 'timeout', 'ETIMEDOUT'],
  ] as const)('settles with its own error when the answer %s', async (_, path, why, code) => {
    const err = await httpExchange(new URL(`${origin}${path}`), { method: 'POST', body: 'x', timeoutMs: 300 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HttpExchangeError);
    expect(err).toMatchObject({ why, code });
  });

  it('a Web API call whose answer breaks off fails as a request error', async () => {
    const client = new webApi.WebClient('xoxb-test', {
      slackApiUrl: `${origin}/break/`,
      fetch: createSlackFetch({ gated: false }),
      retryConfig: { retries: 0 },
      timeout: 60_000,
    });
    await expect(client.auth.test()).rejects.toMatchObject({ code: 'slack_webapi_request_error' });
  });

  it('a response_url post whose answer breaks off, or never comes, is refused with the reason', async () => {
    const notifier = createResponseUrlNotifier({ allowedOrigins: [origin], timeoutMs: 300 });
    await expect(notifier.post(`${origin}/break`, { text: 'hi' })).rejects.toThrow(/broke off/);
    await expect(notifier.post(`${origin}/silent`, { text: 'hi' })).rejects.toThrow(/did not answer in time/);
  });

  it('a text whose answer breaks off is an unknown outcome (Twilio had it), the password nowhere in the error', async () => {
    const config = {
      accountSid: FAKE_ACCOUNT_SID,
      auth: { kind: 'authToken' as const, authToken: FAKE_AUTH_TOKEN },
      sender: { kind: 'from' as const, from: FAKE_FROM },
      apiUrl: origin,
      timeoutMs: 1000,
    };
    const err = await createTwilioSmsSender(config, 900)
      .send({ to: '+15005550006', body: 'SECRET-PASSWORD' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.SmsOutcomeUnknown, details: { transportCode: 'ECONNRESET' } });
    expect(JSON.stringify(err)).not.toContain('SECRET');
    expect(bodies.at(-1)).toContain('SECRET-PASSWORD');
  });
});
