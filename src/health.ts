import type { IncomingMessage, ServerResponse } from 'node:http';
import { withTimeout } from './lib/with-timeout.js';

/** One thing readiness depends on; `check` rejects when it is not ready. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2000;

/**
 * `GET /healthz`: the process answers. `GET /readyz`: it can do its work now (the store answers, Slack is
 * connected, the directory binds) and is not shutting down. A load balancer or an orchestrator stops sending work
 * to a replica whose readiness fails, and restarts one whose liveness fails.
 */
export function createHealth(checks: readonly ReadinessCheck[]) {
  let stopping = false;

  async function readiness(): Promise<{ ready: boolean; checks: Record<string, string> }> {
    if (stopping) return { ready: false, checks: { shutdown: 'in progress' } };
    const results = await Promise.all(
      checks.map(async (c): Promise<[string, string]> => {
        try {
          await withTimeout(c.check(), CHECK_TIMEOUT_MS, () => new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`));
          return [c.name, 'ok'];
        } catch (err) {
          return [c.name, `fail: ${err instanceof Error ? err.message : String(err)}`];
        }
      }),
    );
    return { ready: results.every(([, r]) => r === 'ok'), checks: Object.fromEntries(results) };
  }

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  return {
    /** From now on readiness fails: the replica is draining. */
    markStopping(): void {
      stopping = true;
    },
    readiness,
    routes: [
      {
        path: '/healthz',
        method: ['GET'],
        handler: (_req: IncomingMessage, res: ServerResponse) => send(res, 200, { status: 'ok' }),
      },
      {
        path: '/readyz',
        method: ['GET'],
        handler: (_req: IncomingMessage, res: ServerResponse) => {
          void readiness().then((r) =>
            send(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r }),
          );
        },
      },
    ],
  };
}

export type Health = ReturnType<typeof createHealth>;
