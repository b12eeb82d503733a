import { afterTheAcks } from '../lib/flush.js';
import { HttpExchangeError, httpExchange } from '../lib/http-exchange.js';
import type { EphemeralMessage, ResponseUrlNotifier } from '../ports/index.js';

export class ResponseUrlError extends Error {
  constructor(
    readonly statusCode: number | undefined,
    reason?: string,
  ) {
    super(
      reason ??
        (statusCode === undefined ? 'response_url did not answer in time' : `response_url answered HTTP ${statusCode}`),
    );
    this.name = 'ResponseUrlError';
  }
}

/** Where Slack's response_urls live (commercial and GovSlack). */
export const SLACK_RESPONSE_ORIGINS = ['https://hooks.slack.com', 'https://hooks.slack-gov.com'] as const;

/**
 * Posts to a Slack response_url (up to 5 posts within 30 minutes are allowed; we use one per outcome). Plain
 * node:http rather than fetch: it costs a fraction of the CPU and allocation per post.
 */
export function createResponseUrlNotifier(
  options: {
    /** Origins a reply may go to: Slack's, plus SLACK_API_URL's for local fakes. Anything else is refused. */
    allowedOrigins?: readonly string[];
    timeoutMs?: number;
  } = {},
): ResponseUrlNotifier {
  const allowed = new Set(options.allowedOrigins ?? SLACK_RESPONSE_ORIGINS);
  const timeoutMs = options.timeoutMs ?? 5000;
  return {
    async post(responseUrl, message: EphemeralMessage) {
      let url: URL;
      try {
        url = new URL(responseUrl);
      } catch {
        throw new ResponseUrlError(undefined, 'response_url is not a URL');
      }
      // A reply URL that is not Slack's would carry the outcome (names, masked numbers) anywhere: 169.254.169.254…
      if (!allowed.has(url.origin))
        throw new ResponseUrlError(undefined, `response_url is not Slack's (${url.origin})`);
      const body = JSON.stringify({ response_type: 'ephemeral', replace_original: false, ...message });
      const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
      // Acks first (lib/flush.ts), as for the Web API's calls: a post, and what follows its answer (an audit row, a
      // log line), waits while Slack requests wait for their acks, each at most MAX_WAIT_MS.call.
      const answer = await afterTheAcks(() => httpExchange(url, { method: 'POST', headers, body, timeoutMs })).catch(
        (err: unknown) => {
          if (!(err instanceof HttpExchangeError)) throw err;
          throw new ResponseUrlError(undefined, err.why === 'broke_off' ? 'response_url answer broke off' : undefined);
        },
      );
      // Any non-2xx means the admin never saw the message.
      if (answer.statusCode < 200 || answer.statusCode >= 300) throw new ResponseUrlError(answer.statusCode);
    },
  };
}
