import { App, type CustomRoute, HTTPReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import { slackRequestArrived } from './lib/flush.js';
import { createSlackFetch } from './lib/slack-fetch.js';
import { guardSlackRequests } from './lib/slack-request-guard.js';
import { toBoltLogger } from './logger.js';

/** Whether Socket Mode's WebSocket is open now (readiness). */
export function socketConnected(app: App): boolean {
  const receiver = (app as unknown as { receiver?: { client?: { websocket?: { isActive(): boolean } } } }).receiver;
  return receiver?.client?.websocket?.isActive() ?? false;
}

/** The Bolt app: Slack's transport (Socket Mode or HTTP) and the WebClient every Slack adapter uses. */
export function createSlackApp(
  slack: Config['slack'],
  log: Logger,
  options: {
    routes?: readonly CustomRoute[];
    /** Each answer to Slack: its HTTP status (http mode) or `socket` (Socket Mode), and how long it took. */
    onAnswered?: (status: number | 'socket', seconds: number) => void;
  } = {},
): App {
  const common = {
    token: slack.botToken,
    logger: toBoltLogger(log),
    // auth.test runs in start(), so a bad token fails start-up with a clear message instead of 401s later.
    deferInitialization: true,
    convoStore: false as const,
    extendedErrorHandler: true,
    clientOptions: slackClientOptions(slack),
  };
  if (slack.mode === 'socket') {
    const app = new App({ ...common, socketMode: true, appToken: slack.appToken });
    timeSocketAcks(app, options.onAnswered);
    return app;
  }
  const receiver = new HTTPReceiver({
    signingSecret: slack.signingSecret ?? '',
    logger: common.logger,
    // Bolt could not process the event at all (a body of a known type but the wrong shape): that is the sender's
    // fault, so 400 and a log line, where Bolt's default answers 500.
    processEventErrorHandler: async ({ error, response }) => {
      if (response.headersSent) return false;
      const unauthorized = error instanceof Error && error.name === 'AuthorizationError';
      log.warn({ err: error, status: unauthorized ? 401 : 400 }, 'Slack request could not be processed');
      response.writeHead(unauthorized ? 401 : 400);
      response.end();
      return false;
    },
    customRoutes: [...(options.routes ?? [])],
  });
  // Bolt reads `requestListener` at each request, so the guard sees every body before Bolt parses it.
  receiver.requestListener = guardSlackRequests(receiver.requestListener, log, {
    ...(options.onAnswered ? { onAnswered: options.onAnswered } : {}),
  });
  return new App({ ...common, receiver });
}

/**
 * Socket Mode answers over the WebSocket, not with an HTTP response: each envelope is timed from its arrival to its
 * ack, reported with the status `socket`, and counts as a request waiting for its ack until then (see lib/flush.ts)
 * or until Bolt is done with it. The receiver looks `processEvent` up on every envelope, so wrapping it here sees
 * them all.
 */
function timeSocketAcks(app: App, onAnswered?: (status: 'socket', seconds: number) => void): void {
  const processEvent = app.processEvent.bind(app);
  app.processEvent = (event) => {
    const started = performance.now();
    const answered = slackRequestArrived();
    let timed = false;
    return processEvent({
      ...event,
      ack: async (response) => {
        try {
          return await event.ack(response);
        } finally {
          answered();
          if (!timed) {
            timed = true;
            onAnswered?.('socket', (performance.now() - started) / 1000);
          }
        }
      },
    }).finally(answered);
  };
}

/**
 * The WebClient's options (the app's, and the admin check's own client): the local fakes' URL, few quick retries,
 * and the fetch on keep-alive agents, gated by the acks unless `gated: false`.
 */
export function slackClientOptions(slack: Config['slack'], o: { readonly gated?: boolean } = {}) {
  return {
    ...(slack.apiUrl ? { slackApiUrl: `${slack.apiUrl}/` } : {}),
    // Few, quick retries: every caller here is on a clock (3 s trigger window, an admin waiting).
    retryConfig: { retries: 2, factor: 2, minTimeout: 100, maxTimeout: 1000 },
    // A 429 becomes an error we can report ("Slack is rate limiting") rather than a silent wait.
    rejectRateLimitedCalls: true,
    timeout: 10_000,
    // node:http on keep-alive agents instead of the built-in fetch: a fraction of the CPU per call (lib/slack-fetch).
    fetch: createSlackFetch({ gated: o.gated !== false }),
  };
}
