import { webApi } from '@slack/bolt';
import { createResponseUrlNotifier, SLACK_RESPONSE_ORIGINS } from './adapters/response-url.js';
import { createSlackAdminDirectory } from './adapters/slack-admin-directory.js';
import { createSlackAdminMessenger } from './adapters/slack-admin-messenger.js';
import { createAppHomePublisher } from './adapters/slack-app-home.js';
import { createSlackAuditChannel } from './adapters/slack-audit-channel.js';
import { createSlackPeople } from './adapters/slack-people.js';
import { createTwilioSmsSender } from './adapters/twilio-sms.js';
import type { Config } from './config/index.js';
import { createPasswordGenerator } from './domain/password.js';
import { passwordLength } from './domain/password-policy.js';
import { createHealth } from './health.js';
import { InFlight } from './lib/in-flight.js';
import { createErrorHandler } from './listeners/error-handler.js';
import { registerListeners } from './listeners/index.js';
import { type Logger, toBoltLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import type { Directory } from './ports/index.js';
import { readinessChecks } from './readiness.js';
import { createAnnouncer } from './services/announcer.js';
import { createCodeFromSlackUser } from './services/code-from-slack-user.js';
import { createCompensator } from './services/compensation.js';
import { createHomeRefresh } from './services/home-refresh.js';
import { createLookupEmployee } from './services/lookup-employee.js';
import { createResetPassword } from './services/reset-password.js';
import { createSlackApp, slackClientOptions } from './slack-app.js';
import type { Storage } from './storage.js';
import type { MessageContext } from './user-messages.js';
import { wireFollowUps } from './wiring-follow-ups.js';
import { wireVerification } from './wiring-verification.js';

/**
 * The composition root's body (src/bot.ts opens what it needs): every adapter and use case, built in one place from
 * the config, the store and the directory; what follows a reset after its answer is in src/wiring-follow-ups.ts.
 */
export function wire(config: Config, log: Logger, storage: Storage, openedDirectory: Directory | undefined) {
  const slack = config.slack;
  const inFlight = new InFlight();
  // Adapters are measured by wrapping them: the adapters and the use cases carry no metrics code.
  const metrics = createMetrics({ inFlight: () => inFlight.size });
  const store: Storage = { ...storage, audit: metrics.audit(storage.audit) };
  const directory = openedDirectory ? metrics.directory(openedDirectory) : undefined;
  const health = createHealth(readinessChecks(config, store, directory, () => app));
  const routes = [...health.routes, metrics.route];
  const app = createSlackApp(slack, log, { routes, onAnswered: (status, s) => metrics.ack(status, s) });
  // The admin check has a WebClient of its own that does not wait for the acks (lib/flush.ts): the directory
  // lookup asks it before its own ack, and would otherwise wait for that very ack.
  const adminClient = new webApi.WebClient(slack.botToken, {
    ...slackClientOptions(slack, { gated: false }),
    logger: toBoltLogger(log),
  });
  const admins = metrics.admins(createSlackAdminDirectory({ client: adminClient, groupId: slack.adminGroupId }));
  const messenger = createSlackAdminMessenger(app.client);
  // The App Home, published when opened and again when one of that admin's resets changes state: every notice
  // about a reset below is wrapped with refreshingHome; new notices can call homeRefresh.refresh(adminUserId).
  const homeRefresh = createHomeRefresh({
    publish: createAppHomePublisher({
      client: app.client,
      admins,
      audit: store.audit,
      adminGroup: slack.adminGroupId,
      ...(directory ? { directoryLabel: directory.label } : {}),
    }),
    viewers: store.homeViewers,
    log,
  });
  const notifier = createResponseUrlNotifier({
    allowedOrigins: [...SLACK_RESPONSE_ORIGINS, ...(slack.apiUrl ? [new URL(slack.apiUrl).origin] : [])],
  });
  const sms = metrics.sms(createTwilioSmsSender(config.twilio, config.sms.validitySeconds));
  const announcer = createAnnouncer(
    config.auditChannelId ? createSlackAuditChannel(app.client, config.auditChannelId) : undefined,
  );
  const compensator = directory
    ? createCompensator({ directory, audit: store.audit, log, onResult: (result) => metrics.scramble(result) })
    : undefined;
  const messages: MessageContext = {
    adminGroup: slack.adminGroupId,
    ...(directory ? { directory: { kind: directory.kind, label: directory.label } } : {}),
    password: { profile: config.password.profile.name, length: passwordLength(config.password.profile) },
  };
  const followUps = wireFollowUps({
    config,
    log,
    store,
    directory,
    compensator,
    metrics,
    sms,
    client: app.client,
    messenger,
    notifier,
    announcer,
    homeRefresh,
    inFlight,
  });
  const { deliveries, expiries, tellEmployee, unknownSends } = followUps;
  const underway = new Set<string>();
  // VERIFY_EMPLOYEE (only with a directory): the code, the employee's approval in Slack, the directory's factor.
  const verifying =
    directory && config.verification.mode !== 'off'
      ? wireVerification({ config, log, store, directory, sms, client: app.client, metrics })
      : undefined;
  const resetPassword = createResetPassword({
    admins,
    ...(verifying ? { verification: verifying.gate } : {}),
    ...(directory ? { directory } : {}),
    ...(compensator ? { compensator } : {}),
    revokeSessions: followUps.revokeSessions,
    ...(expiries ? { onPasswordSet: expiries.schedule } : {}),
    // The directory's own end of validity as well as the bot's, where it has one (OpenLDAP pwdEndTime).
    ...(directory?.clearValidUntil && config.tempPasswordTtlMs > 0
      ? {
          nativeLimit: {
            validForMs: config.tempPasswordTtlMs,
            latest: (kind: string, accountId: string) => store.expiries.latestValidUntil(kind, accountId),
          },
        }
      : {}),
    ...(tellEmployee ? { onPasswordSent: tellEmployee } : {}),
    passwords: createPasswordGenerator(config.password.profile),
    sms,
    audit: store.audit,
    limits: store.limits,
    submissions: store.submissions,
    announcer,
    numbers: config.sms.numbers,
    underway,
    onOutcome: (outcome) => metrics.resetOutcome(outcome.status),
    trackDelivery: (job) => deliveries.track(job),
    onUnknownSend: (auditId, resetLog) =>
      void unknownSends
        .resolveLater(auditId)
        .catch((err: unknown) => resetLog.error({ err }, 'could not schedule the look-up of an unknown send')),
    trackForMs: followUps.trackForMs,
  });
  registerListeners(app, {
    ...(verifying ? { verification: verifying.listeners } : {}),
    log,
    admins,
    audit: store.audit,
    forms: store.forms,
    announcer,
    // The Home shows the reset as it starts (sending) and as it ends.
    resetPassword: async (request, reqLog) => {
      homeRefresh.refresh(request.adminUserId);
      if (request.verification?.method === 'skipped') metrics.verification('skipped', 'skipped');
      try {
        return await resetPassword(request, reqLog);
      } finally {
        homeRefresh.refresh(request.adminUserId);
      }
    },
    ...(directory
      ? {
          directory: {
            label: directory.label,
            lookupEmployee: createLookupEmployee({
              admins,
              directory,
              audit: store.audit,
              announcer,
              numbers: config.sms.numbers,
            }),
          },
        }
      : {}),
    notifier,
    messenger,
    home: homeRefresh,
    codeFromSlackUser: createCodeFromSlackUser({
      people: createSlackPeople(app.client),
      ...(directory ? { directory } : {}),
    }),
    defaultCountry: config.defaultCountry,
    numbers: config.sms.numbers,
    messages,
    adminGroup: slack.adminGroupId,
    inFlight,
  });
  app.error(createErrorHandler({ log, notifier, messenger, adminGroup: slack.adminGroupId }));
  return {
    app,
    slack,
    log,
    health,
    routes,
    inFlight,
    underway,
    interrupted: followUps.interrupted,
    deliveries,
    unknownSends,
    ...(verifying ? { verification: { stop: verifying.stop, sweep: verifying.sweep } } : {}),
    sweepEveryMs: followUps.sweepEveryMs,
    drainMs: config.drainMs,
    ...(expiries ? { expiries } : {}),
    homeRefresh,
  };
}
