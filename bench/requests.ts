/**
 * Signed Slack requests for the benchmarks, built and signed before they are timed, sent over keep-alive
 * connections with no cap on how many are open at once (so "200 at once" is 200 requests on the wire, not a client
 * queue), and timed from the write to the end of the answer. Also the statistics every bench prints.
 */
import { Agent } from 'node:http';
import { postTimed, slackBody } from '../test/fakes/slack-driver.js';
import { slackHeaders } from '../test/fakes/slack-signing.js';
import { SIGNING_SECRET } from '../test/helpers/harness.js';

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly ackMs: number;
  /** The app's own time to its answer (its Server-Timing header). */
  readonly appMs: number;
}

export type Kind = 'command' | 'interactive';

/** A request ready to go: `send()` writes it and resolves with Slack's view of the answer. */
export interface Prepared {
  send(): Promise<Answer>;
}

export function slackSender(appUrl: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const url = new URL('/slack/events', appUrl);
  const prepare = (kind: Kind, payload: Record<string, unknown>): Prepared => {
    const raw = slackBody(kind, payload);
    const headers = slackHeaders(SIGNING_SECRET, raw);
    return {
      send: () => postTimed(url, agent, headers, raw),
    };
  };
  return {
    prepare,
    send: (kind: Kind, payload: Record<string, unknown>) => prepare(kind, payload).send(),
    close: () => agent.destroy(),
  };
}

export type SlackSender = ReturnType<typeof slackSender>;

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? Number.NaN;
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

export const ms = (x: number, digits = 1) => (Number.isFinite(x) ? `${x.toFixed(digits)} ms` : 'n/a');
