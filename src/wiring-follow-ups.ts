import type { webApi } from '@slack/bolt';
import { createDeliveryReporter } from './adapters/slack-delivery-reporter.js';
import { createSlackEmployeeNotices } from './adapters/slack-employee-notices.js';
import { createSlackExpiryNotices } from './adapters/slack-expiry-notices.js';
import { createSlackInterruptionNotices } from './adapters/slack-interruption-notices.js';
import { createSlackUnknownSendNotices } from './adapters/slack-unknown-send-notices.js';
import { maxSendDurationMs } from './adapters/twilio-sms.js';
import { type Config, directoryWorstCaseMs } from './config/index.js';
import type { InFlight } from './lib/in-flight.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { AdminMessenger, DeliveryReporter, Directory, ResponseUrlNotifier, SmsSender } from './ports/index.js';
import type { Announcer } from './services/announcer.js';
import type { Compensator } from './services/compensation.js';
import { createDeliveryTracker } from './services/delivery-tracker.js';
import { createEmployeeNotice } from './services/employee-notice.js';
import { createExpiryScheduler, SCHEDULE_WITHIN_MS } from './services/expiry.js';
import { type HomeRefresh, refreshingHome } from './services/home-refresh.js';
import { createInterruptedSendSweeper } from './services/interrupted-sends.js';
import { createUnknownSendResolver } from './services/unknown-sends.js';
import type { Storage } from './storage.js';
import { FALLBACK_SECURITY_CONTACT } from './views/employee-notice.js';

/** What the composition root has built by the time the follow-ups are wired (src/wiring.ts). */
export interface FollowUpContext {
  readonly config: Config;
  readonly log: Logger;
  readonly store: Storage;
  readonly directory: Directory | undefined;
  readonly compensator: Compensator | undefined;
  readonly metrics: Metrics;
  readonly sms: SmsSender;
  readonly client: webApi.WebClient;
  readonly messenger: AdminMessenger;
  readonly notifier: ResponseUrlNotifier;
  readonly announcer: Announcer;
  readonly homeRefresh: HomeRefresh;
  readonly inFlight: InFlight;
}

/**
 * Part of the composition root: everything that follows a reset after its answer (the text's delivery, a send
 * Twilio never answered, the watch and expiry of the password, resets a restart interrupted, the employee's DM),
 * each notice port wrapped so that the admin's App Home follows it.
 */
export function wireFollowUps(c: FollowUpContext) {
  const { config, log, store, directory, compensator, metrics, sms, messenger, announcer, homeRefresh } = c;
  const directoryLabel = directory ? { directoryLabel: directory.label } : {};
  const compensate = (auditId: string, accountId: string, why: string, rowLog: Logger) =>
    directory && compensator
      ? compensator.compensate({ auditId, kind: directory.kind, accountId }, why, ['set'], rowLog)
      : Promise.resolve(undefined);
  const deliveries = createDeliveryTracker({
    sms,
    audit: store.audit,
    limits: store.limits,
    reporter: refreshingHome(
      countedFinals(createDeliveryReporter({ notifier: c.notifier, messenger, announcer, ...directoryLabel }), metrics),
      homeRefresh,
    ),
    ...(compensator
      ? { compensate: (job, why, jobLog) => compensate(job.auditId, job.directoryAccountId ?? '', why, jobLog) }
      : {}),
    log,
    firstPollMs: config.sms.statusPollMs,
    redact: config.sms.redact,
  });
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
        ...(via === 'slack' ? { notices: createSlackEmployeeNotices(c.client, messenger, securityContact) } : {}),
        audit: store.audit,
        ttlMs: config.tempPasswordTtlMs,
        // A shutdown waits for the notice as for the reset it belongs to.
        track: (work) => c.inFlight.track(work),
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
      createSlackUnknownSendNotices({ messenger, announcer, ...directoryLabel, log }),
      homeRefresh,
    ),
    ...(compensator
      ? {
          compensate: (row, rowLog) => compensate(row.id, row.directory?.accountId ?? '', 'sms_not_found', rowLog),
        }
      : {}),
    follow: (row) => deliveries.follow(row),
    trackForMs,
    settleMs: config.sms.unknownLookupAfterMs,
    log,
  });
  // A little slack past the slowest possible reset (a directory write, then a send, and the expiry's row written
  // again while the store falters) before a `sending` row is declared interrupted.
  const interruptedAfterMs =
    maxSendDurationMs(config.twilio.timeoutMs) + directoryWorstCaseMs(config.directory) + SCHEDULE_WITHIN_MS + 1000;
  const interrupted = createInterruptedSendSweeper({
    audit: store.audit,
    notices: refreshingHome(createSlackInterruptionNotices({ messenger, ...directoryLabel }), homeRefresh),
    staleAfterMs: interruptedAfterMs,
    log,
    ...(compensator ? { compensator } : {}),
  });
  return {
    deliveries,
    expiries,
    tellEmployee,
    unknownSends,
    interrupted,
    revokeSessions,
    trackForMs,
    sweepEveryMs: Math.min(interruptedAfterMs, 60_000),
  };
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
