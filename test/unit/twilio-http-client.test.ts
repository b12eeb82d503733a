import { createServer } from 'node:net';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ResetpwTwilioHttpClient } from '../../src/adapters/twilio-http-client.js';
import { createTwilioSmsSender } from '../../src/adapters/twilio-sms.js';
import { ErrorCode } from '../../src/errors.js';
import {
  FAKE_ACCOUNT_SID,
  FAKE_AUTH_TOKEN,
  FAKE_FROM,
  FakeTwilio,
  MAGIC_TO,
  type TwilioRequest,
} from '../fakes/fake-twilio.js';
import { sleep } from '../fakes/http-util.js';

/**
 * Our transport against the SDK's own (axios) RequestClient: the same SDK calls through both, the fake Twilio
 * comparing what arrived. The reference only has its host rewritten to the fake's, as the bot's client did before.
 */
class SdkClientToFake extends twilio.RequestClient {
  constructor(private readonly base: string) {
    super({ timeout: 2000 });
  }
  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const u = new URL(opts.uri);
    const b = new URL(this.base);
    u.protocol = b.protocol;
    u.host = b.host;
    return super.request<TData>({ ...opts, uri: u.toString() });
  }
}

/** What must be the same whichever client sent it (axios adds an Accept-Encoding of its own; we ask for none). */
const SAME_HEADERS = [
  'authorization',
  'user-agent',
  'accept',
  'accept-charset',
  'content-type',
  'content-length',
  'connection',
] as const;

function seen(r: TwilioRequest | undefined) {
  return {
    method: r?.method,
    path: r?.path,
    query: r?.query,
    raw: r?.raw,
    headers: Object.fromEntries(SAME_HEADERS.map((h) => [h, r?.headers[h]])),
  };
}

const twilioConfig = (url: string, timeoutMs = 2000) => ({
  accountSid: FAKE_ACCOUNT_SID,
  auth: { kind: 'authToken' as const, authToken: FAKE_AUTH_TOKEN },
  sender: { kind: 'from' as const, from: FAKE_FROM },
  apiUrl: url,
  timeoutMs,
});

// One fake Twilio for the file; each test starts with nothing received.
let fake: FakeTwilio;
beforeAll(async () => {
  fake = await new FakeTwilio().start();
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.sent.length = 0;
});

describe('ResetpwTwilioHttpClient against the SDK’s own client (real SDK, fake Twilio)', () => {
  /** The same SDK call through the SDK's client, then ours: what each request looked like on arrival. */
  async function both(call: (client: ReturnType<typeof twilio>) => Promise<unknown>, apiKey = false) {
    const make = (httpClient: twilio.RequestClient) =>
      apiKey
        ? twilio('SK0123456789abcdef0123456789abcdef', 'api-secret', { accountSid: FAKE_ACCOUNT_SID, httpClient })
        : twilio(FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, { httpClient });
    const settle = (p: Promise<unknown>) =>
      p.then(
        (v) => ({ ok: v }),
        (e: unknown) => ({ err: (e as { status?: number; code?: number }).code ?? String(e) }),
      );
    const theirs = await settle(call(make(new SdkClientToFake(fake.url))));
    const ours = await settle(call(make(new ResetpwTwilioHttpClient(fake.url, { timeout: 2000 }))));
    expect(fake.requests).toHaveLength(2);
    return { theirs: seen(fake.requests[0]), ours: seen(fake.requests[1]), theirResult: theirs, ourResult: ours };
  }

  it('sends a message create byte for byte as the SDK’s client does: form encoding, Basic auth, User-Agent', async () => {
    const { theirs, ours } = await both((c) =>
      c.messages.create({
        to: '+15005550006',
        from: FAKE_FROM,
        // Everything the form encoding treats apart: reserved and unreserved ASCII, + and %, non-Latin, an emoji.
        body: "Jöhn's temp: a b+c&d=e;f/g?h#i%j!k*l(m)n~o_p.q-r 😀 ñ 密码\nnew line",
        validityPeriod: 900,
        provideFeedback: true,
        smartEncoded: false,
        mediaUrl: ['https://example.com/a.png?x=1&y=2', 'https://example.com/b c.png'],
        sendAt: new Date('2026-12-01T10:20:30.456Z'),
        scheduleType: 'fixed',
      }),
    );
    expect(ours).toEqual(theirs);
    expect(ours.raw).toContain('MediaUrl=https%3A%2F%2Fexample.com%2Fa.png%3Fx%3D1%26y%3D2&MediaUrl=');
    expect(ours.raw).toContain('SendAt=2026-12-01T10%3A20%3A30Z');
    expect(ours.headers.authorization).toBe(
      `Basic ${Buffer.from(`${FAKE_ACCOUNT_SID}:${FAKE_AUTH_TOKEN}`).toString('base64')}`,
    );
    expect(ours.headers['user-agent']).toMatch(/^twilio-node\/\d+\.\d+\.\d+ \(\w+ \w+\) node\/v\d+/);
  });

  it('sends a raw request with any form value the same way (null, booleans, numbers, dates, arrays, objects)', async () => {
    const data = {
      To: '+15005550006',
      From: FAKE_FROM,
      Body: 'x',
      Empty: null,
      Missing: undefined,
      Yes: true,
      No: false,
      Count: 3.5,
      When: new Date('2026-01-02T03:04:05.006Z'),
      List: ['a b', 'ü', '', null, ['nested', 'twice']],
      Nothing: [],
      Nested: { inner: 'v&w', deeper: { x: 1 } },
      "Key with spaces & 'quotes'": 'k',
      Lone: 'a\uD800b',
    };
    const uri = `https://api.twilio.com/2010-04-01/Accounts/${FAKE_ACCOUNT_SID}/Messages.json`;
    const { theirs, ours } = await both((c) => c.request({ method: 'post', uri, data }));
    // A lone surrogate is the one value qs mangles (into bytes no decoder accepts); we send U+FFFD instead.
    const lone = /Lone=[^&]*/;
    expect(ours.raw?.replace(lone, '')).toBe(theirs.raw?.replace(lone, ''));
    expect(ours.raw).toMatch(/Lone=a%EF%BF%BDb/);
    expect({ ...ours, raw: '', headers: { ...ours.headers, 'content-length': '' } }).toEqual({
      ...theirs,
      raw: '',
      headers: { ...theirs.headers, 'content-length': '' },
    });
    expect(ours.raw).toContain('Empty=&Yes=true&No=false&Count=3.5&When=2026-01-02T03%3A04%3A05.006Z');
    expect(ours.raw).toContain('List=a%20b&List=%C3%BC&List=&List=&List=nested&List=twice');
    expect(ours.raw).toContain('Nested%5Binner%5D=v%26w&Nested%5Bdeeper%5D%5Bx%5D=1');
    expect(ours.raw).not.toContain('Missing');
    expect(ours.raw).not.toContain('Nothing');
  });

  it('sends a list’s query and a fetch the same way, and reads the answers the same way', async () => {
    await createTwilioSmsSender(twilioConfig(fake.url), 900).send({ to: '+15005550006', body: 'listed' });
    fake.requests.length = 0;
    const list = await both((c) =>
      c.messages.list({
        to: '+15005550006',
        from: FAKE_FROM,
        dateSentAfter: new Date('2026-01-01T00:00:00Z'),
        limit: 5,
      }),
    );
    expect(list.ours).toEqual(list.theirs);
    expect(list.ours.query).toBe(
      'To=%2B15005550006&From=%2B15005550006&DateSent%3E=2026-01-01T00%3A00%3A00Z&PageSize=5',
    );
    expect(list.ourResult).toEqual(list.theirResult);
    fake.requests.length = 0;
    const missing = await both((c) => c.messages(`SM${'0'.repeat(32)}`).fetch());
    expect(missing.ours).toEqual(missing.theirs);
    expect(missing.ourResult).toEqual({ err: 20404 });
    expect(missing.theirResult).toEqual({ err: 20404 });
  });

  it('authenticates with an API key as the SDK’s client does', async () => {
    const { theirs, ours, ourResult } = await both(
      (c) => c.messages.create({ to: '+15005550006', from: FAKE_FROM, body: 'k' }),
      true,
    );
    expect(ours).toEqual(theirs);
    expect(ours.headers.authorization).toBe(
      `Basic ${Buffer.from('SK0123456789abcdef0123456789abcdef:api-secret').toString('base64')}`,
    );
    // The fake knows only the account's token: refused, and the 401 read as the SDK reads it.
    expect(ourResult).toEqual({ err: 20003 });
  });
});

describe('The SMS sender over our transport (real SDK, fake Twilio)', () => {
  it('retries a 429 (nothing created) and sends the same request again, once', async () => {
    fake.createFaults.push({ status: 429, code: 20429 });
    const sms = createTwilioSmsSender(twilioConfig(fake.url), 900);
    const receipt = await sms.send({ to: '+15005550006', body: 'after a 429' });
    expect(fake.createRequests).toHaveLength(2);
    expect(fake.createRequests[1]?.raw).toBe(fake.createRequests[0]?.raw);
    expect(fake.createRequests[1]?.params).toEqual({
      To: '+15005550006',
      ValidityPeriod: '900',
      From: FAKE_FROM,
      Body: 'after a 429',
    });
    expect(fake.sent.map((m) => [m.sid, m.body])).toEqual([[receipt.sid, 'after a 429']]);
  });

  it('gives up after two retries of a lasting 429: rate limited, three requests', async () => {
    const sms = createTwilioSmsSender(twilioConfig(fake.url), 900);
    await expect(sms.send({ to: MAGIC_TO.rateLimited, body: 'x' })).rejects.toMatchObject({
      code: ErrorCode.SmsRateLimited,
      details: { httpStatus: 429, twilioCode: 20429 },
    });
    expect(fake.createRequests).toHaveLength(3);
    expect(fake.sent).toHaveLength(0);
  });

  it('reads a timeout as an unknown outcome and never sends a second request', async () => {
    fake.slowMs = 600;
    const sms = createTwilioSmsSender(twilioConfig(fake.url, 150), 900);
    const err = await sms.send({ to: MAGIC_TO.slow, body: 'SECRET-PASSWORD' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.SmsOutcomeUnknown, details: { transportCode: 'ETIMEDOUT' } });
    expect(JSON.stringify(err)).not.toContain('SECRET');
    expect(String((err as Error).stack)).not.toContain('SECRET');
    await sleep(800); // the slow answer comes and goes; nothing else arrives
    expect(fake.createRequests).toHaveLength(1);
    // Twilio did send it: which is why a timeout keeps the password and never texts again.
    expect(fake.sent.map((m) => m.body)).toEqual(['SECRET-PASSWORD']);
  });

  it('reads a refused connection as not sent', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const sms = createTwilioSmsSender(twilioConfig(`http://127.0.0.1:${port}`), 900);
    await expect(sms.send({ to: '+15005550006', body: 'x' })).rejects.toMatchObject({
      code: ErrorCode.SmsUnreachable,
      details: { transportCode: 'ECONNREFUSED' },
    });
  });
});
