import type { AuditEntry, AuditOutcome, AuditRecord, AuditStore } from '../../src/ports.js';

/** An in-memory AuditStore for use-case tests; `failOn` makes a chosen operation throw. */
export class MemoryAuditStore implements AuditStore {
  readonly rows: AuditRecord[] = [];
  failOn: 'begin' | 'finish' | 'record' | undefined;
  private seq = 0;

  async record(entry: AuditEntry, outcome: AuditOutcome): Promise<void> {
    if (this.failOn === 'record') throw new Error('database is down');
    this.insert(entry, outcome.result, outcome);
  }
  async begin(entry: AuditEntry): Promise<string> {
    if (this.failOn === 'begin') throw new Error('database is down');
    return this.insert(entry, 'sending', {});
  }
  async finish(id: string, outcome: AuditOutcome): Promise<void> {
    if (this.failOn === 'finish') throw new Error('database is down');
    const i = this.rows.findIndex((r) => r.id === id);
    const row = this.rows[i];
    if (row) this.rows[i] = { ...row, ...outcome };
  }
  async list(): Promise<AuditRecord[]> {
    return [...this.rows].reverse();
  }
  async recoverInterrupted(): Promise<AuditRecord[]> {
    return [];
  }
  private insert(entry: AuditEntry, result: AuditRecord['result'], extra: Partial<AuditOutcome>): string {
    const id = `a${++this.seq}`;
    const at = new Date().toISOString();
    this.rows.push({ ...entry, ...extra, id, createdAt: at, updatedAt: at, result });
    return id;
  }
}
