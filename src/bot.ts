import type { DestinationStream } from 'pino';
import { createCompanyDirectory } from './adapters/directories.js';
import { createResponseUrlNotifier, SLACK_RESPONSE_ORIGINS } from './adapters/response-url.js';
import { createSlackAdminDirectory } from './adapters/slack-admin-directory.js';
import { createSlackAdminMessenger } from './adapters/slack-admin-messenger.js';
import { createAppHomePublisher } from './adapters/slack-app-home.js';
import { createSlackAuditChannel } from './adapters/slack-audit-channel.js';
import { createDeliveryReporter } from './adapters/slack-delivery-reporter.js';
import { createSlackEmployeeNotices } from './adapters/slack-employee-notices.js';
import { createSlackExpiryNotices } from './adapters/slack-expiry-notices.js';
import { createSlackInterruptionNotices } from './adapters/slack-interruption-notices.js';
import { createSlackPeople } from './adapters/slack-people.js';
import { createSlackUnknownSendNotices } from './adapters/slack-unknown-send-notices.js';
import { createTwilioSmsSender, maxSendDurationMs } from './adapters/twilio-sms.js';
import { type Config, directoryEndpoint, directoryWorstCaseMs, parseConfig } from './config/index.js';
import { createPasswordGenerator } from './domain/password.js';
import { passwordLength } from './domain/password-policy.js';
import { createHealth } from './health.js';
import { InFlight } from './lib/in-flight.js';
import { createErrorHandler } from './listeners/error-handler.js';
import { registerListeners } from './listeners/index.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { DeliveryReporter, Directory } from './ports/index.js';
import { readinessChecks } from './readiness.js';
import { type RunningApp, startRuntime } from './runtime.js';
import { createAnnouncer } from './services/announcer.js';
import { createCodeFromSlackUser } from './services/code-from-slack-user.js';
import { createCompensator } from './services/compensation.js';
import { createDeliveryTracker } from './services/delivery-tracker.js';
import { createEmployeeNotice } from './services/employee-notice.js';
import { createExpiryScheduler } from './services/expiry.js';
import { createHomeRefresh, type HomeRefresh, refreshingHome } from './services/home-refresh.js';
import { createInterruptedSendSweeper } from './services/interrupted-sends.js';
import { createLookupEmployee } from './services/lookup-employee.js';
import { createResetPassword } from './services/reset-password.js';
import { createUnknownSendResolver } from './services/unknown-sends.js';
import { createSlackApp } from './slack-app.js';
import { openStorage, type Storage } from './storage.js';
import type { MessageContext } from './user-messages.js';
import { FALLBACK_SECURITY_CONTACT } from './views/employee-notice.js';

export type { RunningApp } from './runtime.js';
export { openStorage, type Storage } from './storage.js';

/**
 * The composition root: config → logger → storage → company directory (bound once) → Slack app → every adapter
 * → use cases → listeners → running. Shared by the entry point, the demo, the benchmark and end-to-end tests.
 */
export async function startBot(
  env: Readonly<Record<string, string | undefined>>,
  options: {
    logDestination?: DestinationStream;
    /** Called with the logger once it exists (the entry point installs its last-resort handlers with it). */
    onLogger?: (log: Logger) => void;
    /** Another storage than DATABASE_URL's (the benchmark's no-store baseline). */
    storage?: (config: Config, log?: Logger) => Promise<Storage>;
  } = {},
): Promise<RunningApp> {
  const config = parseConfig(env);
  const log = createLogger({
    level: config.logLevel,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  options.onLogger?.(log);
  const { profile, entropyBits } = config.password;
  log.info({ passwordProfile: profile.name, entropyBits: Number(entropyBits.toFixed(1)) }, 'password policy');
  const directory = await openDirectory(config, log);
  let store: Storage;
  try {
    store = await (options.storage ?? openStorage)(config, log);
  } catch (err) {
    await directory?.close();
    throw err;
  }
  log.info({ engine: store.engine, rateLimits: config.rateLimits }, 'store ready');
  const closeAll = async () => {
    await store.close();
    await directory?.close();
  };
  let running: RunningApp;
  let home: HomeRefresh | undefined;
  try {
    const parts = wire(config, log, store, directory);
    home = parts.homeRefresh;
    running = await startRuntime(parts);
  } catch (err) {
    await home?.stop();
    await closeAll();
    throw err;
  }
  return {
    port: running.port,
    healthPort: running.healthPort,
    async stop(stopOptions) {
      await running.stop(stopOptions);
      // The last state changes' Home publishes read the store: they finish (or are dropped) before it closes.
      await home?.stop();
      await closeAll();
    },
  };
}

/** Builds and binds the directory once, so that a wrong URL, certificate or bind account stops start-up. */
async function openDirectory(config: Config, log: Logger): Promise<Directory | undefined> {
  if (config.directory.kind === 'none') {
    log.warn(
      'DIRECTORY=none: temporary passwords are texted but not set in any directory; the employee cannot log in with them',
    );
    return undefined;
  }
  const ldap = 'ldap' in config.directory ? config.directory.ldap : undefined;
  if (ldap?.insecure) {
    log.warn(
      { url: ldap.url },
      'LDAP_ALLOW_INSECURE=true: the bind password and temporary passwords cross the network unencrypted',
    );
  }
  const directory = createCompanyDirectory(config.directory);
  if (!directory) return undefined;
  try {
    await directory.verify();
  } catch (err) {
    await directory.close();
    throw err;
  }
  log.info(
    {
      directory: directory.kind,
      url: directoryEndpoint(config.directory).url,
      ...(ldap ? { baseDn: ldap.baseDn, protectedGroups: ldap.protectedGroups.length } : {}),
      ...('cloud' in config.directory ? { revokeSessions: config.directory.cloud.revokeSessions } : {}),
    },
    'directory bound',
  );
  return directory;
}

/** The delivery reporter, counting each text's final state. */
function countedFinals(reporter: DeliveryReporter, metrics: Metrics): DeliveryReporter {
  return {
    async final(job, status, final, directory, log) {
      metrics.smsFinal(final);
      await reporter.final(job, status, final, directory, log);
    },
    async gaveUp(job, last, log) {
      metrics.smsFinal('no_report');
      await reporter.gaveUp(job, last, log);
    },
  };
}

/** Every adapter and use case, built in one place from the config, the store and the directory. */
function wire(config: Config, log: Logger, storage: Storage, openedDirectory: Directory | undefined) {
  const slack = config.slack;
  const inFlight = new InFlight();
  // Adapters are measured by wrapping them: the adapters and the use cases carry no metrics code.
  const metrics = createMetrics({ inFlight: () => inFlight.size });
  const store: Storage = { ...storage, audit: metrics.audit(storage.audit) };
  const directory = openedDirectory ? metrics.directory(openedDirectory) : undefined;
  const health = createHealth(readinessChecks(config, store, directory, () => app));
  const routes = [...health.routes, metrics.route];
  const app = createSlackApp(slack, log, { routes, onAnswered: (status, s) => metrics.ack(status, s) });
  const admins = metrics.admins(createSlackAdminDirectory({ client: app.client, groupId: slack.adminGroupId }));
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
  const deliveries = createDeliveryTracker({
    sms,
    audit: store.audit,
    limits: store.limits,
    reporter: refreshingHome(
      countedFinals(
        createDeliveryReporter({
          notifier,
          messenger,
          announcer,
          ...(directory ? { directoryLabel: directory.label } : {}),
        }),
        metrics,
      ),
      homeRefresh,
    ),
    ...(compensator && directory
      ? {
          compensate: (job, why, jobLog) =>
            compensator.compensate(
              { auditId: job.auditId, kind: directory.kind, accountId: job.directoryAccountId ?? '' },
              why,
              ['set'],
              jobLog,
            ),
        }
      : {}),
    log,
    firstPollMs: config.sms.statusPollMs,
    redact: config.sms.redact,
  });
  const underway = new Set<string>();
  // Sign-in sessions exist in the cloud directories only (DIRECTORY_REVOKE_SESSIONS).
  const revokeSessions = 'cloud' in config.directory && config.directory.cloud.revokeSessions;
  // Only a directory has a password to watch and expire (TEMP_PASSWORD_TTL=0: watched for the change only).
  const expiries =
    directory && compensator
      ? createExpiryScheduler({
          store: store.expiries,
          audit: store.audit,
          directory,
          compensator,
          notices: refreshingHome(
            createSlackExpiryNotices({ messenger, directoryLabel: directory.label, announcer, log }),
            homeRefresh,
          ),
          ttlMs: config.tempPasswordTtlMs,
          revokeSessions,
          log,
        })
      : undefined;
  // NOTIFY_EMPLOYEE: the employee hears of a reset by DM, found by the email only a directory holds.
  const { via, securityContact } = config.employeeNotice;
  if (directory && via === 'slack' && !securityContact) {
    log.warn(`SECURITY_CONTACT is not set: the employee's DM says to contact "${FALLBACK_SECURITY_CONTACT}"`);
  }
  const tellEmployee = directory
    ? createEmployeeNotice({
        ...(via === 'slack' ? { notices: createSlackEmployeeNotices(app.client, messenger, securityContact) } : {}),
        audit: store.audit,
        ttlMs: config.tempPasswordTtlMs,
        // A shutdown waits for the notice as for the reset it belongs to.
        track: (work) => inFlight.track(work),
        onResult: (result) => metrics.employeeNotice(result),
      })
    : undefined;
  // The provider drops a message still queued after the validity period; a carrier's receipt can lag a little more.
  const trackForMs = (config.sms.validitySeconds + 300) * 1000;
  // A send Twilio never answered is looked up in its message log afterwards (SMS_UNKNOWN_LOOKUP_AFTER).
  const unknownSends = createUnknownSendResolver({
    sms,
    audit: store.audit,
    limits: store.limits,
    notices: refreshingHome(
      createSlackUnknownSendNotices({
        messenger,
        announcer,
        ...(directory ? { directoryLabel: directory.label } : {}),
        log,
      }),
      homeRefresh,
    ),
    ...(compensator && directory
      ? {
          compensate: (row, rowLog) =>
            compensator.compensate(
              { auditId: row.id, kind: directory.kind, accountId: row.directory?.accountId ?? '' },
              'sms_not_found',
              ['set'],
              rowLog,
            ),
        }
      : {}),
    follow: (row) => deliveries.follow(row),
    trackForMs,
    settleMs: config.sms.unknownLookupAfterMs,
    log,
  });
  const resetPassword = createResetPassword({
    admins,
    ...(directory ? { directory } : {}),
    ...(compensator ? { compensator } : {}),
    revokeSessions,
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
    trackForMs,
  });
  // A little slack past the slowest possible reset (a directory write, then a send) before a `sending` row is
  // declared interrupted.
  const directoryMs = directoryWorstCaseMs(config.directory);
  const interruptedAfterMs = maxSendDurationMs(config.twilio.timeoutMs) + directoryMs + 1000;
  const interrupted = createInterruptedSendSweeper({
    audit: store.audit,
    notices: refreshingHome(
      createSlackInterruptionNotices({
        messenger,
        ...(directory ? { directoryLabel: directory.label } : {}),
      }),
      homeRefresh,
    ),
    staleAfterMs: interruptedAfterMs,
    log,
    ...(compensator ? { compensator } : {}),
  });
  registerListeners(app, {
    log,
    admins,
    audit: store.audit,
    forms: store.forms,
    announcer,
    // The Home shows the reset as it starts (sending) and as it ends.
    resetPassword: async (request, reqLog) => {
      homeRefresh.refresh(request.adminUserId);
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
    interrupted,
    deliveries,
    unknownSends,
    sweepEveryMs: Math.min(interruptedAfterMs, 60_000),
    drainMs: config.drainMs,
    ...(expiries ? { expiries } : {}),
    homeRefresh,
  };
}
