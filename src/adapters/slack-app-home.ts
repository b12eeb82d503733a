import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { ErrorCode } from '../errors.js';
import type { AdminDirectory, AuditRecord, AuditStore } from '../ports/index.js';
import { adminRefusal } from '../services/admin-check.js';
import type { HomeAudience } from '../services/home-refresh.js';
import { buildAdminHome, buildMemberHome, HOME_RESETS_SHOWN, HOME_RESULTS } from '../views/app-home.js';

/**
 * Publishes one user's App Home (views.publish, no scope needed). An admin sees the button and their own recent
 * resets; anyone else, and anyone whose membership cannot be checked (fail closed), sees a sentence and no resets.
 */
export function createAppHomePublisher(deps: {
  client: webApi.WebClient;
  admins: AdminDirectory;
  audit: AuditStore;
  /** The admin user group's id, named to everyone else as whom to ask. */
  adminGroup: string;
  /** How admins know the directory ("OpenLDAP"), when one is configured. */
  directoryLabel?: string;
}) {
  return async function publishHome(userId: string, log: Logger): Promise<HomeAudience> {
    // The cached answer, as for the command: a Home shows what the admin did, and the form re-checks fresh.
    const refusal = await adminRefusal(deps.admins, userId);
    if (refusal) {
      if (refusal.code !== ErrorCode.NotAdmin) {
        log.warn({ errorCode: refusal.code, errorDetails: refusal.details }, 'admin check failed: Home without resets');
      }
      await deps.client.views.publish({ user_id: userId, view: buildMemberHome({ adminGroup: deps.adminGroup }) });
      return 'member';
    }
    let resets: AuditRecord[] | undefined;
    try {
      resets = await deps.audit.list({ limit: HOME_RESETS_SHOWN, adminUserId: userId, results: HOME_RESULTS });
    } catch (err) {
      // The button still works; the list says it could not be read.
      log.error({ err }, 'could not read the admin’s recent resets for the Home');
    }
    const view = buildAdminHome({
      resets,
      ...(deps.directoryLabel ? { directoryLabel: deps.directoryLabel } : {}),
    });
    await deps.client.views.publish({ user_id: userId, view });
    return 'admin';
  };
}
