import type { Logger } from 'pino';
import type {
  AdminMessenger,
  DeliveryJob,
  DeliveryReporter,
  DirectoryResult,
  ResetSummary,
  ResponseUrlNotifier,
  SmsDeliveryStatus,
} from '../ports/index.js';
import { describeDelivery, toEphemeralMessage } from '../views/outcome.js';

const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

/**
 * How the admin hears how a text ended: in the channel where they ran /resetpw (the response_url, valid for 30
 * minutes), else by DM; and the audit channel's message about the reset is updated.
 */
export function createDeliveryReporter(deps: {
  notifier: ResponseUrlNotifier;
  messenger: AdminMessenger;
  /** The audit channel's message about the reset (services/announcer.ts: never in the way, failures logged). */
  announcer: { update(ts: string, summary: ResetSummary, log: Logger): Promise<void> };
  /** "Active Directory", … when a directory is configured. */
  directoryLabel?: string;
  now?: () => number;
}): DeliveryReporter {
  const now = deps.now ?? Date.now;

  async function tellAdmin(
    job: DeliveryJob,
    status: SmsDeliveryStatus,
    directory: DirectoryResult | undefined,
    log: Logger,
  ) {
    const content = describeDelivery(
      job.summary,
      status,
      directory ? { result: directory, label: deps.directoryLabel ?? 'the directory' } : undefined,
    );
    const message = toEphemeralMessage(content);
    const fresh = job.sentAt !== undefined && now() - job.sentAt.getTime() < RESPONSE_URL_LIFETIME_MS;
    if (job.responseUrl && fresh) {
      try {
        await deps.notifier.post(job.responseUrl, message);
        return;
      } catch (err) {
        log.warn({ err }, 'could not post the delivery result to the channel; sending it by DM');
      }
    }
    await deps.messenger
      .dm(job.summary.adminUserId, message.text)
      .catch((err) => log.error({ err }, 'could not tell the admin about delivery'));
  }

  return {
    async final(job, status, final, directory, log) {
      const detail =
        status.errorCode !== undefined ? `Twilio ${status.status} ${status.errorCode}` : `Twilio ${status.status}`;
      await Promise.all([
        tellAdmin(job, status, directory, log),
        job.announcementTs
          ? deps.announcer.update(
              job.announcementTs,
              { ...job.summary, result: final, detail, ...(directory ? { directory } : {}) },
              log,
            )
          : undefined,
      ]);
    },
    gaveUp: (job, last, log) => tellAdmin(job, { status: last }, undefined, log),
  };
}
