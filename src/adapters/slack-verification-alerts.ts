import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { VerificationAlerts } from '../ports/index.js';
import { declinedAlertText, impersonationAlertText } from '../views/verification-alert.js';

/**
 * A possible impersonation (three wrong codes, or the employee answering "No, I did not") told where security looks: the audit channel (AUDIT_CHANNEL_ID) and
 * SECURITY_CONTACT when it names a Slack channel (`#it-security` or a channel ID); a handle or an address is shown in
 * the text instead. Each post is best effort: one that fails is logged and the other still goes.
 */
export function createSlackVerificationAlerts(deps: {
  client: webApi.WebClient;
  auditChannelId?: string;
  securityContact?: string;
  log: Logger;
}): VerificationAlerts {
  const contact = deps.securityContact;
  const contactChannel = contact && /^(#[a-z0-9._-]+|[CG][A-Z0-9]{8,})$/.test(contact) ? contact : undefined;
  const channels = [...new Set([deps.auditChannelId, contactChannel].filter((c): c is string => !!c))];
  const post = async (text: string) => {
    await Promise.all(
      channels.map((channel) =>
        deps.client.chat
          .postMessage({ channel, text, unfurl_links: false })
          .catch((err: unknown) => deps.log.error({ err, channel }, 'could not post the security alert')),
      ),
    );
    if (channels.length === 0) {
      deps.log.warn('a security alert has nowhere to be posted: set AUDIT_CHANNEL_ID or SECURITY_CONTACT');
    }
  };
  return {
    declined: (alert) => post(declinedAlertText(alert, contact)),
    possibleImpersonation: (alert) => post(impersonationAlertText(alert, contact)),
  };
}
