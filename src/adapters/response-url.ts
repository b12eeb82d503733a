import type { EphemeralMessage, ResponseUrlNotifier } from '../ports.js';

export class ResponseUrlError extends Error {
  constructor(readonly statusCode: number) {
    super(`response_url answered HTTP ${statusCode}`);
    this.name = 'ResponseUrlError';
  }
}

/** Slack accepts up to 5 posts to a response_url within 30 minutes; we use one per outcome. */
export function createResponseUrlNotifier(fetchFn: typeof fetch = fetch, timeoutMs = 5000): ResponseUrlNotifier {
  return {
    async post(responseUrl, message: EphemeralMessage) {
      const res = await fetchFn(responseUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, ...message }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // fetch resolves on any status; a non-2xx here means the admin never saw the message.
      if (!res.ok) throw new ResponseUrlError(res.status);
      await res.body?.cancel();
    },
  };
}
