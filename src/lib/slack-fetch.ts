import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { webApi } from '@slack/bolt';
import { afterTheAcks } from './flush.js';
import { type HttpAnswer, httpExchange } from './http-exchange.js';

/**
 * The `fetch` the Slack WebClient calls the Web API with (its `fetch` option): node:http(s) on keep-alive agents.
 * Node's built-in fetch builds web streams, a Request, a Response and their Headers for every call, several times the
 * CPU and garbage of the call itself (measured: about 0.35 ms against 0.15 ms a views.open here); under a burst of
 * commands that is what delays the next acks and opens the forms late. Same contract as the WebClient uses it: a
 * POST with a string body, no redirects followed (a 3xx is an HTTP error to the WebClient, as its `redirect:
 * 'error'` makes it), aborted by the signal (its timeout), rejected with the socket's error (ECONNREFUSED…), which the
 * WebClient wraps as a request error. Any other body (a file upload's form) goes to the built-in fetch.
 *
 * Acks first (lib/flush.ts): while Slack requests wait for their acks, a call's request waits before it leaves, and
 * its answer before it is handed back to the WebClient (which parses it, and whose caller then goes on: records the
 * form, logs), each at most MAX_WAIT_MS.call. The WebClient starts queued calls as answers come back, outside the
 * gate its callers passed; this is where they meet it again.
 */
export function createSlackFetch(options: { readonly gated?: boolean } = {}): webApi.FetchFunction {
  // Ungated: the admin check's client. Its call can come before its own request's ack (the directory lookup's), and
  // would then wait for that very ack; it is one cached call a minute, never a queue.
  const gated = options.gated !== false;
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  return (input, init = {}) => {
    const body = init.body;
    if (body !== undefined && typeof body !== 'string') return globalThis.fetch(input, init);
    const url = typeof input === 'string' ? new URL(input) : input;
    const call = (): Promise<FetchResponse> =>
      httpExchange(url, {
        method: init.method ?? 'GET',
        headers: init.headers as Record<string, string> | undefined,
        body: body ?? undefined,
        agent: url.protocol === 'https:' ? agents.https : agents.http,
        ...(init.signal ? { signal: init.signal } : {}),
      }).then((answer) => response(url.toString(), answer));
    return gated ? afterTheAcks(call) : call();
  };
}

type FetchResponse = Awaited<ReturnType<webApi.FetchFunction>>;

function response(url: string, answer: HttpAnswer): FetchResponse {
  const header = (name: string): string | null => {
    const value = answer.headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  };
  const bytes = answer.body;
  const text = () => bytes.toString('utf8');
  const status = answer.statusCode;
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: answer.statusMessage,
    url,
    headers: {
      get: header,
      entries: () => Object.keys(answer.headers).map((name): [string, string] => [name, header(name) ?? '']),
    },
    text: async () => text(),
    arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    json: async () => JSON.parse(text()),
  };
}
