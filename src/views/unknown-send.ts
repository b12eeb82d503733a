import { maskPhone } from '../domain/phone.js';
import type { AuditRecord, DirectoryResult } from '../ports/index.js';
import { compensationLine, escapeMrkdwn } from './outcome.js';
import { slackDate } from './slack-date.js';

/** What the admin reads by DM once Twilio's list settled a send whose answer never came. */

function theReset(row: AuditRecord): string {
  const who = row.employee?.name ? escapeMrkdwn(row.employee.name) : 'an employee';
  const phone = row.employee?.phoneE164 ? ` at ${maskPhone(row.employee.phoneE164)}` : '';
  return `your password reset for ${who}${phone} (${slackDate(new Date(row.createdAt))})`;
}

/** Twilio has no message from that reset: the "outcome unknown" was a failure. */
export function notSentText(row: AuditRecord, directory: DirectoryResult | undefined, label: string): string {
  const password = directory ? ` ${compensationLine(directory, label)}` : '';
  return (
    `:x: *Text not sent:* Twilio did not answer in time during ${theReset(row)}, and its message log has no text ` +
    `to that number since, so none was sent.${password} Run /resetpw again.`
  );
}

/** Still unknown after asking Twilio: several texts to the number, or the list could not be read. */
export function unresolvedText(row: AuditRecord, why: 'ambiguous' | 'lookup_failed', count: number): string {
  const cause =
    why === 'ambiguous'
      ? `Twilio's message log shows ${count} texts to that number around then, so the bot cannot tell which was its own.`
      : 'The bot could not read Twilio’s message log to find out.';
  return (
    `:warning: *Outcome still unknown:* Twilio did not answer in time during ${theReset(row)}. ${cause} ` +
    'Ask the employee whether the text arrived; if not, run /resetpw again: a new reset replaces the password. ' +
    'Unless the employee changes it, the temporary password expires as usual.'
  );
}
