import { maskPhone } from '../domain/phone.js';
import type { AuditRecord, DirectoryResult } from '../ports/index.js';
import { compensationCause, compensationLine } from './outcome.js';

/** What the admin reads about a reset the bot could not see through (a restart, a shutdown), by DM. */

function resetLabel(row: AuditRecord): string {
  const who = row.employee?.name ?? 'an employee';
  const phone = row.employee?.phoneE164 ? ` at ${maskPhone(row.employee.phoneE164)}` : '';
  return `Your password reset for ${who}${phone} (started ${row.createdAt})`;
}

/** The reset was cut short; `directory` is what became of a password it may have set in `label`. */
export function interruptedText(row: AuditRecord, directory: DirectoryResult | undefined, label: string): string {
  if (directory) {
    return (
      `:warning: *Reset interrupted:* ${resetLabel(row).replace(/^Your/, 'your')} was interrupted when the bot ` +
      `restarted, so it cannot tell whether the text went out. ${compensationLine(directory, label, 'reset_interrupted')} Run /resetpw again.`
    );
  }
  return (
    `:warning: *Outcome unknown:* ${resetLabel(row).replace(/^Your/, 'your')} was interrupted ` +
    'when the bot restarted, so it cannot tell whether the text went out. Ask the employee whether a text arrived; ' +
    'if not, check the Twilio message log for the number before running /resetpw again.'
  );
}

/** A scramble retried by a later sweep: done, or moot after a later reset. */
export function scrambleRetriedText(row: AuditRecord, result: 'scrambled' | 'superseded', label: string): string {
  const cause = compensationCause(row.directoryStep?.detail);
  return `:white_check_mark: ${resetLabel(row)}: ${compensationLine(result, label, cause)}`;
}
