import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { EphemeralMessage, ResponseUrlNotifier } from '../ports/index.js';

export class ResponseUrlError extends Error {
  constructor(readonly statusCode: number | undefined) {
    super(
      statusCode === undefined ? 'response_url did not answer in time' : `response_url answered HTTP ${statusCode}`,
    );
    this.name = 'ResponseUrlError';
  }
}

/**
 * Posts to a Slack response_url (up to 5 posts within 30 minutes are allowed; we use one per outcome). Plain
 * node:http rather than fetch: it costs a fraction of the CPU and allocation per post.
 */
export function createResponseUrlNotifier(timeoutMs = 5000): ResponseUrlNotifier {
  return {
    post(responseUrl, message: EphemeralMessage) {
      const url = new URL(responseUrl);
      const body = JSON.stringify({ response_type: 'ephemeral', replace_original: false, ...message });
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      return new Promise<void>((resolve, reject) => {
        const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
        const req = send(url, { method: 'POST', headers, timeout: timeoutMs }, (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            // Any non-2xx means the admin never saw the message.
            if (status >= 200 && status < 300) resolve();
            else reject(new ResponseUrlError(status));
          });
        });
        req.on('timeout', () => req.destroy(new ResponseUrlError(undefined)));
        req.on('error', reject);
        req.end(body);
      });
    },
  };
}
