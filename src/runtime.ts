import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import type { Health } from './health.js';
import type { InFlight } from './lib/in-flight.js';
import { transportReason } from './lib/transport-reason.js';
import type { DeliveryTracker } from './services/delivery-tracker.js';
import type { InterruptedSendSweeper } from './services/interrupted-sends.js';

export interface RunningApp {
  /** The HTTP port in http mode (useful when PORT=0), undefined in socket mode. */
  readonly port: number | undefined;
  /** Socket Mode with HEALTH_PORT: the port of /healthz and /readyz. */
  readonly healthPort?: number | undefined;
  stop(options?: { drainMs?: number }): Promise<void>;
}

export interface RuntimeParts {
  readonly app: App;
  readonly slack: Config['slack'];
  readonly log: Logger;
  readonly health: Health;
  /** /healthz, /readyz and /metrics: served on PORT in http mode, on HEALTH_PORT in Socket Mode. */
  readonly routes: readonly { path: string; handler: (req: IncomingMessage, res: ServerResponse) => void }[];
  readonly inFlight: InFlight;
  /** Audit ids of resets under way, marked unknown if a shutdown cannot wait for them. */
  readonly underway: ReadonlySet<string>;
  readonly interrupted: InterruptedSendSweeper;
  readonly deliveries: DeliveryTracker;
  /** Sends Twilio never answered, looked up in its message log afterwards. */
  readonly unknownSends: { resume(): Promise<number>; stop(): Promise<void> };
  /**
   * Verification codes' texts followed for their redaction (in this process only); questions and pushes whose
   * process ended before they ran out, ended by the sweep.
   */
  readonly verification?: { stop(): void; sweep(): Promise<void> };
  /** How often the interrupted-reset sweep runs. */
  readonly sweepEveryMs: number;
  /** How long a stop waits for resets under way (config.drainMs). */
  readonly drainMs: number;
  /** Temporary passwords' expiry (TEMP_PASSWORD_TTL with a directory): started after the sweep, stopped first. */
  readonly expiries?: { start(): Promise<void>; stop(waitMs?: number): Promise<void> };
}

/** How long a request may take to arrive, headers and body (http mode). */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Start: auth.test, listen, then pick up what a previous process left (interrupted resets, deliveries to follow).
 * Stop: no new requests, drain what is under way, mark the rest unknown (telling their admins), stop polling.
 */
export async function startRuntime(p: RuntimeParts): Promise<RunningApp> {
  const { app, slack, log } = p;
  try {
    await app.init();
  } catch (err) {
    throw new Error(describeAuthTestFailure(err));
  }
  let port: number | undefined;
  let healthServer: Server | undefined;
  if (slack.mode === 'http') {
    const server = (await app.start({ port: slack.port, host: slack.host })) as Server;
    port = (server.address() as AddressInfo).port;
    // Slack sends a whole request at once; one that takes longer is not Slack's, and is not left open for Node's
    // default 300 s.
    server.headersTimeout = REQUEST_TIMEOUT_MS;
    server.requestTimeout = REQUEST_TIMEOUT_MS;
  } else {
    await app.start();
    if (slack.healthPort !== undefined) healthServer = await serveOps(p.routes, slack.healthPort, slack.host);
  }
  const healthPort = healthServer ? (healthServer.address() as AddressInfo).port : undefined;
  log.info({ mode: slack.mode, port, healthPort, adminGroup: slack.adminGroupId }, 'resetpw is running');
  const sweepInterrupted = () =>
    p.interrupted.sweep().catch((err: unknown) => log.error({ err }, 'could not check for interrupted resets'));
  // Questions to the employee that ran out while no process waited for them: a backlog (each a DM and a modal to
  // update) must not hold up the start, so the first sweep is not awaited.
  const sweepVerifications = () =>
    p.verification
      ?.sweep()
      .catch((err: unknown) => log.error({ err }, 'could not check for questions to the employee left unanswered'));
  const sweepSafely = () => Promise.all([sweepInterrupted(), sweepVerifications()]);
  await sweepInterrupted();
  void sweepVerifications();
  await p.deliveries.resume().catch((err: unknown) => log.error({ err }, 'could not resume delivery tracking'));
  await p.unknownSends
    .resume()
    .catch((err: unknown) => log.error({ err }, 'could not resume looking up sends whose outcome was unknown'));
  // Expiries that fell due while no process was up run in the background (a backlog must not hold up the start);
  // then a timer waits for the next one.
  void p.expiries?.start().catch((err: unknown) => log.error({ err }, 'could not start password expiries'));
  const sweeper = setInterval(sweepSafely, p.sweepEveryMs);
  sweeper.unref();

  let stopping: Promise<void> | undefined;
  const stop = async (drainMs: number) => {
    clearInterval(sweeper);
    // Readiness fails from now on, so a load balancer stops sending work while this replica drains.
    p.health.markStopping();
    // No new expiry is claimed from now on; one under way gets the drain's time (an unfinished one runs again
    // elsewhere when its lease ends).
    const expiriesStopped = p.expiries?.stop(drainMs);
    await app.stop();
    // Resets already under way finish (or time out) so their outcome is reported and logged.
    const drained = await p.inFlight.drain(drainMs);
    if (!drained) {
      log.error(
        { inFlight: p.inFlight.size, drainMs },
        'stopped with resets still in flight (STOP_TIMEOUT_SECONDS sets the wait, with the container stop timeout)',
      );
      // Their texts may or may not go out: the audit says unknown and each admin is told now, not at next start.
      await p.interrupted
        .abandon([...p.underway])
        .catch((err: unknown) => log.error({ err }, 'could not mark unfinished resets unknown'));
    }
    // Delivery polling is not drained: the next start resumes it from the store. Nor are expiries: they are due again.
    p.verification?.stop();
    await Promise.all([p.deliveries.stop(), p.unknownSends.stop()]);
    await expiriesStopped;
    await new Promise((resolve) => (healthServer ? healthServer.close(resolve) : resolve(undefined)));
    log.info('resetpw stopped');
  };
  return {
    port,
    healthPort,
    stop({ drainMs = p.drainMs } = {}) {
      stopping ??= stop(drainMs);
      return stopping;
    },
  };
}

/** Start-up's auth.test failed: a refusal of the token is not the same as no network. */
export function describeAuthTestFailure(err: unknown): string {
  const e = err as { code?: string; data?: { error?: string }; statusCode?: number };
  if (e?.data?.error) {
    return `Slack rejected SLACK_BOT_TOKEN at auth.test (${e.data.error}); check the token and SLACK_API_URL`;
  }
  if (e?.code === 'slack_webapi_http_error') {
    return `Slack answered HTTP ${e.statusCode ?? '?'} to auth.test; try again later, or check SLACK_API_URL`;
  }
  return `Could not reach Slack for auth.test (${transportReason(err)}); check the network, any proxy, and SLACK_API_URL`;
}

/** Socket Mode has no HTTP listener of its own: /healthz, /readyz and /metrics get a small one on HEALTH_PORT. */
function serveOps(list: RuntimeParts['routes'], port: number, host: string): Promise<Server> {
  const routes = new Map(list.map((r) => [r.path, r.handler]));
  const server = createServer((req, res) => {
    const handler = req.method === 'GET' ? routes.get(new URL(req.url ?? '/', 'http://x').pathname) : undefined;
    if (handler) handler(req, res);
    else {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
