import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { createSlackAdminDirectory } from './adapters/slack-admin-directory.js';
import { createSlackAdminMessenger } from './adapters/slack-admin-messenger.js';
import { createSlackAuditChannel } from './adapters/slack-audit-channel.js';
import type { Config } from './config/index.js';
import type { PasswordGenerator } from './domain/password.js';
import { InFlight } from './lib/in-flight.js';
import { createErrorHandler } from './listeners/error-handler.js';
import { registerListeners } from './listeners/index.js';
import { toBoltLogger } from './logger.js';
import type {
  AdminDirectory,
  AuditStore,
  RateLimiter,
  ResponseUrlNotifier,
  SmsSender,
  SubmissionLedger,
} from './ports/index.js';
import { createAnnouncer } from './services/announcer.js';
import { createDeliveryTracker } from './services/delivery-tracker.js';
import { createInterruptedSendSweeper } from './services/interrupted-sends.js';
import { createResetPassword } from './services/reset-password.js';

export interface AppDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly sms: SmsSender;
  readonly passwords: PasswordGenerator;
  readonly notifier: ResponseUrlNotifier;
  readonly audit: AuditStore;
  readonly limits: RateLimiter;
  readonly submissions: SubmissionLedger;
  /** Rows still `sending` after this long are from a dead process (see interrupted-sends). */
  readonly interruptedAfterMs: number;
  /** Defaults to the Slack user-group adapter on the app's own WebClient. */
  readonly directory?: AdminDirectory;
}

export interface RunningApp {
  /** The HTTP port in http mode (useful when PORT=0), undefined in socket mode. */
  readonly port: number | undefined;
  stop(options?: { drainMs?: number }): Promise<void>;
}

export function createApp(deps: AppDeps) {
  const { config, log } = deps;
  const slack = config.slack;
  const common = {
    token: slack.botToken,
    logger: toBoltLogger(log),
    // auth.test runs in start(), so a bad token fails start-up with a clear message instead of 401s later.
    deferInitialization: true,
    convoStore: false as const,
    extendedErrorHandler: true,
    clientOptions: {
      ...(slack.apiUrl ? { slackApiUrl: `${slack.apiUrl}/` } : {}),
      // Few, quick retries: every caller here is on a clock (3 s trigger window, an admin waiting).
      retryConfig: { retries: 2, factor: 2, minTimeout: 100, maxTimeout: 1000 },
      // A 429 becomes an error we can report ("Slack is rate limiting") rather than a silent wait.
      rejectRateLimitedCalls: true,
      timeout: 10_000,
    },
  };
  const app =
    slack.mode === 'socket'
      ? new App({ ...common, socketMode: true, appToken: slack.appToken })
      : new App({
          ...common,
          signingSecret: slack.signingSecret ?? '',
          customRoutes: [
            {
              path: '/healthz',
              method: ['GET'],
              handler: (_req, res) => {
                res.writeHead(200, { 'Content-Type': 'text/plain' });
                res.end('ok');
              },
            },
          ],
        });

  const directory = deps.directory ?? createSlackAdminDirectory({ client: app.client, groupId: slack.adminGroupId });
  const inFlight = new InFlight();
  const messenger = createSlackAdminMessenger(app.client);
  const announcer = createAnnouncer(
    config.auditChannelId ? createSlackAuditChannel(app.client, config.auditChannelId) : undefined,
  );
  const deliveries = createDeliveryTracker({
    sms: deps.sms,
    audit: deps.audit,
    announcer,
    limits: deps.limits,
    notifier: deps.notifier,
    messenger,
    log,
    firstPollMs: config.sms.statusPollMs,
    redact: config.sms.redact,
  });
  const underway = new Set<string>();
  const resetPassword = createResetPassword({
    underway,
    directory,
    passwords: deps.passwords,
    sms: deps.sms,
    audit: deps.audit,
    limits: deps.limits,
    submissions: deps.submissions,
    announcer,
    trackDelivery: (job) => deliveries.track(job),
    // Twilio drops a message still queued after the validity period; a carrier's receipt can lag a little more.
    trackForMs: (config.sms.validitySeconds + 300) * 1000,
  });
  const interrupted = createInterruptedSendSweeper({
    audit: deps.audit,
    messenger,
    staleAfterMs: deps.interruptedAfterMs,
    log,
  });
  registerListeners(app, {
    log,
    directory,
    audit: deps.audit,
    announcer,
    resetPassword,
    notifier: deps.notifier,
    defaultCountry: config.defaultCountry,
    adminGroup: slack.adminGroupId,
    inFlight,
  });
  app.error(createErrorHandler({ log, notifier: deps.notifier, adminGroup: slack.adminGroupId }));

  return {
    app,
    inFlight,
    deliveries,
    async start(): Promise<RunningApp> {
      try {
        await app.init();
      } catch (err) {
        const slackError = (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;
        throw new Error(
          `Slack rejected SLACK_BOT_TOKEN at auth.test (${slackError}); check the token and SLACK_API_URL`,
        );
      }
      let port: number | undefined;
      if (slack.mode === 'http') {
        const server = (await app.start(slack.port)) as Server;
        port = (server.address() as AddressInfo).port;
      } else {
        await app.start();
      }
      log.info({ mode: slack.mode, port, adminGroup: slack.adminGroupId }, 'resetpw is running');
      const sweepSafely = () =>
        interrupted.sweep().catch((err: unknown) => log.error({ err }, 'could not check for interrupted resets'));
      await sweepSafely();
      await deliveries.resume().catch((err: unknown) => log.error({ err }, 'could not resume delivery tracking'));
      const sweeper = setInterval(sweepSafely, Math.min(deps.interruptedAfterMs, 60_000));
      sweeper.unref();
      let stopping: Promise<void> | undefined;
      const stop = async (drainMs: number) => {
        clearInterval(sweeper);
        await app.stop();
        // Sends already under way finish (or time out) so their outcome is reported and logged.
        const drained = await inFlight.drain(drainMs);
        if (!drained) {
          log.error({ inFlight: inFlight.size }, 'stopped with resets still in flight');
          // Their texts may or may not go out: the audit says unknown and each admin is told now, not at next start.
          await interrupted
            .abandon([...underway])
            .catch((err: unknown) => log.error({ err }, 'could not mark unfinished resets unknown'));
        }
        // Delivery polling is not drained: the next start resumes it from the store.
        await deliveries.stop();
        log.info('resetpw stopped');
      };
      return {
        port,
        stop({ drainMs = 10_000 } = {}) {
          stopping ??= stop(drainMs);
          return stopping;
        },
      };
    },
  };
}
