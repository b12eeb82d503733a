import { type Agent, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A whole answer: its status, headers and body. */
export interface HttpAnswer {
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * An exchange that ended without a whole answer for a reason of the exchange's own: no answer within its time
 * (`ETIMEDOUT`), or an answer that broke off half-way (`ECONNRESET`, the request was received). It carries only the
 * code: nothing of the request (which may hold a password) is kept.
 */
export class HttpExchangeError extends Error {
  override readonly name = 'HttpExchangeError';
  constructor(
    readonly code: 'ETIMEDOUT' | 'ECONNRESET',
    readonly why: 'timeout' | 'broke_off',
  ) {
    super(why === 'timeout' ? 'no answer in time' : 'the answer broke off');
  }
}

/**
 * One HTTP exchange on node:http(s), the transport the Slack Web API's fetch, the response_url posts and the Twilio
 * SDK's client share: the request with its body, then the whole answer collected. It settles once: with the answer
 * (any status; no redirect is followed), with the socket's own error (ECONNREFUSED…, or the signal's abort), or with
 * an HttpExchangeError: the answer broke off, or `timeoutMs` passed for the whole exchange (the request is then
 * destroyed).
 */
export function httpExchange(
  url: URL,
  o: {
    readonly method: string;
    readonly headers?: OutgoingHttpHeaders;
    readonly body?: string | undefined;
    readonly agent?: Agent;
    readonly timeoutMs?: number;
    readonly signal?: AbortSignal;
  },
): Promise<HttpAnswer> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (done: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done();
    };
    const fail = (err: unknown) => settle(() => reject(err));
    const options = {
      method: o.method,
      ...(o.headers ? { headers: o.headers } : {}),
      ...(o.agent ? { agent: o.agent } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    };
    const req = send(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      // An answer that breaks off half-way ends in an error of its own ('aborted'), or only in its close.
      const brokeOff = () => fail(new HttpExchangeError('ECONNRESET', 'broke_off'));
      res.on('error', brokeOff);
      res.on('close', () => {
        if (!res.complete) brokeOff();
      });
      res.on('end', () =>
        settle(() =>
          resolve({
            statusCode: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        ),
      );
    });
    if (o.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        fail(new HttpExchangeError('ETIMEDOUT', 'timeout'));
        req.destroy();
      }, o.timeoutMs);
    }
    req.on('error', fail);
    req.end(o.body);
  });
}
