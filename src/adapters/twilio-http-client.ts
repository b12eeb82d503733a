import { Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type TwilioResponse from 'twilio/lib/http/response.js';
import { httpExchange } from '../lib/http-exchange.js';

type Response<T> = TwilioResponse.default<T>;

/**
 * A transport failure of a Twilio request: only the socket's code (ECONNREFUSED, ECONNRESET…, ETIMEDOUT for our
 * own deadline), never the request or the error it came from, so nothing that held the form body is kept.
 */
export class TwilioTransportError extends Error {
  override readonly name = 'TwilioTransportError';
  constructor(readonly code: string) {
    super(`Twilio request failed (${code})`);
  }
}

/** The SDK's 429 back-off: the first retry after up to 200 ms, doubling, capped by maxRetryDelay, full jitter. */
const INITIAL_RETRY_INTERVAL_MS = 100;

/**
 * The `httpClient` the real `twilio` SDK sends every request through, in place of its axios-based RequestClient
 * (whose request costs about 0.7 ms of CPU per send here, several times the exchange itself). The SDK still builds
 * every request (URL, headers with its User-Agent, the form's fields) and reads every answer (errors, pages); this
 * class only carries them, and does what the SDK's client did with them:
 * - Basic auth from the SDK's username and password as the SDK's client writes it (or its auth strategy's header),
 *   `Connection: keep-alive`, the form and the query encoded as its `qs.stringify(…, { arrayFormat: 'repeat' })`;
 * - https through the SDK's own agent (so HTTP_PROXY and TWILIO_CA_BUNDLE apply as before), plain http (the local
 *   fakes) through a keep-alive agent; no redirect followed (the SDK's client followed none either);
 * - autoRetry retries HTTP 429 only (Twilio created nothing), with the SDK's back-off; a timeout is a
 *   TwilioTransportError('ETIMEDOUT') and never retried: Twilio may have sent the text;
 * - a deadline for the whole exchange (the SDK's client had one for silence only), so one attempt takes at most its
 *   timeout;
 * - never sets `lastRequest`/`lastResponse`, which would keep the SMS body (the password) alive after the send, and
 *   never logs (TWILIO_LOG_LEVEL=debug made the SDK's client print requests);
 * - TWILIO_API_URL: an optional base URL replaces scheme and host of every request (the local fakes).
 * The answer goes back as text with the status and headers; the SDK parses it as it parsed axios's.
 */
export class ResetpwTwilioHttpClient extends twilio.RequestClient {
  private readonly base: URL | undefined;
  private readonly httpAgent = new HttpAgent({ keepAlive: true });

  constructor(baseUrl: string | undefined, options: RequestClient.RequestClientOptions) {
    super(options);
    this.base = baseUrl ? new URL(baseUrl) : undefined;
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<Response<TData>> {
    if (!opts.method) throw new Error('http method is required');
    if (!opts.uri) throw new Error('uri is required');
    const url = new URL(opts.uri);
    if (this.base) {
      url.protocol = this.base.protocol;
      url.host = this.base.host;
    }
    const query = opts.params ? formEncode(opts.params) : '';
    if (query) url.search = url.search ? `${url.search}&${query}` : `?${query}`;
    const headers: Record<string, string> = { ...opts.headers };
    if (!headers.Connection && !headers.connection) headers.Connection = this.keepAlive ? 'keep-alive' : 'close';
    if (opts.username && opts.password) {
      headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
    } else if (opts.authStrategy) {
      headers.Authorization = await opts.authStrategy.getAuthString();
    }
    // The SDK's client sends a body only for a form (or JSON) content type, as here.
    const contentType = headers['Content-Type'];
    const body =
      opts.data === undefined || opts.data === null
        ? undefined
        : contentType === 'application/x-www-form-urlencoded'
          ? formEncode(opts.data)
          : contentType === 'application/json'
            ? JSON.stringify(opts.data)
            : undefined;
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    const exchange = {
      method: opts.method.toUpperCase(),
      url,
      headers,
      body,
      timeoutMs: opts.timeout || this.defaultTimeout,
    };
    for (let retry = 1; ; retry++) {
      const response = await this.exchange(exchange);
      // The body as text, as the SDK's client passed on one axios could not parse; the SDK parses it.
      if (response.statusCode !== 429 || !this.autoRetry || retry > this.maxRetries) {
        return response as unknown as Response<TData>;
      }
      const delay = Math.floor(Math.min(this.maxRetryDelay, INITIAL_RETRY_INTERVAL_MS * 2 ** retry) * Math.random());
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  private async exchange(e: {
    method: string;
    url: URL;
    headers: Record<string, string>;
    body: string | undefined;
    timeoutMs: number;
  }): Promise<{ statusCode: number; body: string; headers: IncomingHttpHeaders }> {
    // The SDK's client built its https agent (keep-alive, TWILIO_CA_BUNDLE, or HTTP_PROXY's agent) for axios.
    const agent = e.url.protocol === 'https:' ? (this.axios.defaults.httpsAgent as HttpsAgent) : this.httpAgent;
    try {
      const answer = await httpExchange(e.url, { ...e, agent });
      return { statusCode: answer.statusCode, body: answer.body.toString('utf8'), headers: answer.headers };
    } catch (err) {
      // The socket's code only (ETIMEDOUT, and ECONNRESET for an answer that broke off: Twilio had the request, so
      // the outcome is unknown): nothing of the request, which holds the password, is kept.
      throw new TwilioTransportError((err as NodeJS.ErrnoException).code ?? 'unknown');
    }
  }
}

/**
 * `qs.stringify(value, { arrayFormat: 'repeat' })` as the SDK's client encodes forms and queries (qs 6, its
 * defaults): RFC 3986 percent-encoding of UTF-8 (only `A–Z a–z 0–9 - . _ ~` left as they are, so a space is %20),
 * arrays as the key repeated, nested objects as `key[sub]` (brackets encoded), dates as toISOString(), null as an
 * empty value, undefined left out. One difference: a lone surrogate, which qs mangles, becomes U+FFFD.
 */
export function formEncode(value: unknown): string {
  const pairs: string[] = [];
  const add = (key: string, v: unknown): void => {
    const x = v instanceof Date ? v.toISOString() : v === null ? '' : v;
    if (x === undefined || typeof x === 'function') return;
    if (typeof x === 'object') {
      const isArray = Array.isArray(x);
      for (const k of Object.keys(x)) add(isArray ? key : `${key}[${k}]`, (x as Record<string, unknown>)[k]);
      return;
    }
    pairs.push(`${encode(key)}=${encode(String(x))}`);
  };
  if (typeof value === 'object' && value !== null) {
    for (const k of Object.keys(value)) add(k, (value as Record<string, unknown>)[k]);
  }
  return pairs.join('&');
}

function encode(s: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(s);
  } catch {
    // URIError: a lone surrogate.
    encoded = encodeURIComponent(s.replace(LONE_SURROGATE, '\uFFFD'));
  }
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
