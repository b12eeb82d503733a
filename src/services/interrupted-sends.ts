import type { Logger } from 'pino';
import { maskPhone } from '../domain/phone.js';
import type { AdminMessenger, AuditRecord, AuditStore } from '../ports/index.js';

/**
 * A row still `sending` after longer than any send can take belongs to a process that died mid-send (a crash,
 * SIGKILL, a lost container). Its outcome is unknown: mark it so and tell the admin who asked, privately.
 * `sweep` runs at start-up and periodically; with several replicas each row is claimed by exactly one sweep.
 * `abandon` does the same at once for this process's own sends when a shutdown cannot wait for them.
 */
export function createInterruptedSendSweeper(deps: {
  audit: AuditStore;
  messenger: AdminMessenger;
  /** Longer than the slowest possible send (timeouts and retries included). */
  staleAfterMs: number;
  log: Logger;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;

  const tell = async (rows: AuditRecord[], why: string) => {
    for (const row of rows) {
      deps.log.warn(
        { auditId: row.id, requestId: row.requestId, adminUserId: row.adminUserId, employeeCode: row.employee?.code },
        `${why}: reset marked unknown`,
      );
      try {
        await deps.messenger.dm(row.adminUserId, interruptedText(row));
      } catch (err) {
        deps.log.error({ err, auditId: row.id }, 'could not tell the admin about an interrupted reset');
      }
    }
    return rows;
  };

  return {
    async sweep(): Promise<AuditRecord[]> {
      return tell(await deps.audit.recoverInterrupted(new Date(now() - deps.staleAfterMs)), 'interrupted');
    },
    async abandon(ids: readonly string[]): Promise<AuditRecord[]> {
      if (ids.length === 0) return [];
      return tell(await deps.audit.recoverInterrupted(new Date(now() + 1000), ids), 'shutdown before Twilio answered');
    },
  };
}

export function interruptedText(row: AuditRecord): string {
  const who = row.employee?.name ?? 'an employee';
  const phone = row.employee?.phoneE164 ? ` at ${maskPhone(row.employee.phoneE164)}` : '';
  return (
    `:warning: *Outcome unknown:* your password reset for ${who}${phone} (started ${row.createdAt}) was interrupted ` +
    'when the bot restarted, so it cannot tell whether the text went out. Ask the employee whether a text arrived; ' +
    'if not, check the Twilio message log for the number before running /resetpw again.'
  );
}
