import type { Logger } from 'pino';
import { maskPhone } from '../domain/phone.js';
import type { AdminMessenger, AuditRecord, AuditStore, DirectoryResult } from '../ports/index.js';
import { compensationCause, compensationLine } from '../views/outcome.js';
import type { Compensator } from './compensation.js';

/**
 * A row still `sending` after longer than any reset can take belongs to a process that died mid-reset (a crash,
 * SIGKILL, a lost container). Its outcome is unknown: mark it so and tell the admin who asked, privately. If it had
 * set (or was setting) a password in the directory, nobody can vouch that the text went out, so the password is
 * scrambled first. `sweep` runs at start-up and periodically, and retries scrambles that failed; with several
 * replicas each row is claimed by exactly one sweep. `abandon` does the same at once for this process's own
 * resets when a shutdown cannot wait for them.
 */
export function createInterruptedSendSweeper(deps: {
  audit: AuditStore;
  messenger: AdminMessenger;
  /** Longer than the slowest possible reset (timeouts and retries included). */
  staleAfterMs: number;
  log: Logger;
  compensator?: Compensator;
  /** "Active Directory", … for the admin's message. */
  directoryLabel?: string;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const label = deps.directoryLabel ?? 'the directory';

  const compensate = async (row: AuditRecord, why: string, from: DirectoryResult[]) => {
    if (!row.directory || !deps.compensator) return undefined;
    const { kind, accountId } = row.directory;
    return deps.compensator.compensate({ auditId: row.id, kind, accountId }, why, from, deps.log);
  };

  const tell = async (rows: AuditRecord[], why: string) => {
    for (const row of rows) {
      const step = row.directoryStep?.result;
      const directory = step === 'setting' || step === 'set' ? await compensate(row, 'interrupted', [step]) : undefined;
      deps.log.warn(
        {
          auditId: row.id,
          requestId: row.requestId,
          adminUserId: row.adminUserId,
          employeeCode: row.employee?.code,
          ...(directory ? { directoryResult: directory } : {}),
        },
        `${why}: reset marked unknown`,
      );
      await dm(
        row,
        interruptedText(row, directory ? compensationLine(directory, label, 'reset_interrupted') : undefined),
      );
    }
    return rows;
  };

  const dm = async (row: AuditRecord, text: string) => {
    try {
      await deps.messenger.dm(row.adminUserId, text);
    } catch (err) {
      deps.log.error({ err, auditId: row.id }, 'could not tell the admin about an interrupted reset');
    }
  };

  /** A scramble that failed earlier (directory down) is tried again until it works or a later reset supersedes it. */
  const retryScrambles = async () => {
    for (const row of await deps.audit.scramblesToRetry()) {
      const result = await compensate(row, row.directoryStep?.detail ?? 'retry', ['scramble_failed']);
      if (result === 'scrambled' || result === 'superseded') {
        const cause = compensationCause(row.directoryStep?.detail);
        await dm(row, `:white_check_mark: ${resetLabel(row)}: ${compensationLine(result, label, cause)}`);
      }
    }
  };

  return {
    async sweep(): Promise<AuditRecord[]> {
      const rows = await tell(await deps.audit.recoverInterrupted(new Date(now() - deps.staleAfterMs)), 'interrupted');
      if (deps.compensator) await retryScrambles();
      return rows;
    },
    async abandon(ids: readonly string[]): Promise<AuditRecord[]> {
      if (ids.length === 0) return [];
      return tell(
        await deps.audit.recoverInterrupted(new Date(now() + 1000), ids),
        'shutdown before the reset finished',
      );
    },
  };
}

function resetLabel(row: AuditRecord): string {
  const who = row.employee?.name ?? 'an employee';
  const phone = row.employee?.phoneE164 ? ` at ${maskPhone(row.employee.phoneE164)}` : '';
  return `Your password reset for ${who}${phone} (started ${row.createdAt})`;
}

export function interruptedText(row: AuditRecord, directoryLine?: string): string {
  if (directoryLine) {
    return (
      `:warning: *Reset interrupted:* ${resetLabel(row).replace(/^Your/, 'your')} was interrupted when the bot ` +
      `restarted, so it cannot tell whether the text went out. ${directoryLine} Run /resetpw again.`
    );
  }
  return (
    `:warning: *Outcome unknown:* ${resetLabel(row).replace(/^Your/, 'your')} was interrupted ` +
    'when the bot restarted, so it cannot tell whether the text went out. Ask the employee whether a text arrived; ' +
    'if not, check the Twilio message log for the number before running /resetpw again.'
  );
}

export type InterruptedSendSweeper = ReturnType<typeof createInterruptedSendSweeper>;
