import type { Logger } from 'pino';
import type { AuditRecord, AuditStore, DirectoryResult, InterruptionNotices } from '../ports/index.js';
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
  /** Tells the admin who asked (worded and delivered on the Slack side). */
  notices: InterruptionNotices;
  /** Longer than the slowest possible reset (timeouts and retries included). */
  staleAfterMs: number;
  log: Logger;
  compensator?: Compensator;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;

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
      await tellAdmin(() => deps.notices.interrupted(row, directory), row);
    }
    return rows;
  };

  /** The admin is told best effort: a failed DM is logged, and the sweep goes on. */
  const tellAdmin = async (tell: () => Promise<void>, row: AuditRecord) => {
    try {
      await tell();
    } catch (err) {
      deps.log.error({ err, auditId: row.id }, 'could not tell the admin about an interrupted reset');
    }
  };

  /** A scramble that failed earlier (directory down) is tried again until it works or a later reset supersedes it. */
  const retryScrambles = async () => {
    for (const row of await deps.audit.scramblesToRetry()) {
      const step = row.directoryStep?.result === 'scrambling' ? 'scrambling' : 'scramble_failed';
      const result = await compensate(row, row.directoryStep?.detail ?? 'retry', [step]);
      if (result === 'scrambled' || result === 'superseded') {
        await tellAdmin(() => deps.notices.scrambleRetried(row, result), row);
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

export type InterruptedSendSweeper = ReturnType<typeof createInterruptedSendSweeper>;
