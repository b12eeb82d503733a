import { escapeMrkdwn } from './outcome.js';
import { slackDate } from './slack-date.js';

/** What security reads when three wrong codes were given for one employee: who asked, for whom, until when. */
export function impersonationAlertText(
  alert: {
    readonly adminUserId: string;
    readonly employeeCode: string;
    readonly employeeName?: string;
    readonly lockedUntil: Date;
  },
  securityContact: string | undefined,
): string {
  const who = alert.employeeName
    ? `${escapeMrkdwn(alert.employeeName)} (${escapeMrkdwn(alert.employeeCode)})`
    : `employee ${escapeMrkdwn(alert.employeeCode)}`;
  return (
    `:rotating_light: *Possible impersonation:* three wrong verification codes in a row were given for ${who}, ` +
    `the last during a password reset asked for by <@${alert.adminUserId}>. Whoever was on the line may not be ` +
    `the employee. ` +
    `Nothing was changed; verification of this employee is locked until ${slackDate(alert.lockedUntil)}.` +
    (securityContact ? ` Security contact: ${escapeMrkdwn(securityContact)}.` : '')
  );
}

/** What security reads when the employee answered "No, I did not" to a reset an admin asked for. */
export function declinedAlertText(
  alert: { readonly adminUserId: string; readonly employeeCode: string },
  securityContact: string | undefined,
): string {
  return (
    `:rotating_light: *Reset declined by the employee:* employee ${escapeMrkdwn(alert.employeeCode)} answered "No, I ` +
    `did not ask for this" to a password reset asked for by <@${alert.adminUserId}>. Nothing was changed. Whoever ` +
    'asked the help desk may have been impersonating them.' +
    (securityContact ? ` Security contact: ${escapeMrkdwn(securityContact)}.` : '')
  );
}
