import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/ports/index.js';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore, parseDatabaseUrl, type Store } from '../../src/store/database.js';
import { ENGINES, freshDatabaseUrl, postgresAvailable } from '../helpers/databases.js';

const entry: AuditEntry = {
  requestId: 'req-1',
  teamId: 'T1',
  adminUserId: 'U1',
  employee: { name: 'Jane Doe', code: 'E-1', phoneE164: '+14155552671' },
  reason: 'INC-1',
};

describe.each(ENGINES)('audit store on %s', (engine) => {
  const stores: Store[] = [];
  const unavailable = engine === 'postgres' && !postgresAvailable();
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  async function open(url?: string, now?: () => Date) {
    const store = await openStore(url ?? (await freshDatabaseUrl(engine)));
    stores.push(store);
    return { store, audit: createAuditStore(store.db, now) };
  }

  it.skipIf(unavailable)('refuses, in words, a database a newer version migrated (upgrade rolled back)', async () => {
    const url = await freshDatabaseUrl(engine);
    const { store } = await open(url);
    await store.db
      .insertInto('kysely_migration' as never)
      .values({ name: '9999_future', timestamp: '2027-01-01T00:00:00.000Z' } as never)
      .execute();
    await expect(openStore(url)).rejects.toThrow(
      /was migrated by a newer resetpw \(9999_future\), which this version does not know: run the newer version, or restore the backup/,
    );
  });

  it.skipIf(unavailable)('keeps what became of the sign-in sessions with the directory step', async () => {
    const { audit } = await open();
    const withDirectory = { ...entry, directory: { kind: 'okta' as const, accountId: '00u1', login: 'jdoe' } };
    await audit.record(withDirectory, {
      result: 'sent',
      messageSid: 'SM1',
      directoryStep: { result: 'set', marker: '2026-11-30T00:00:00.000Z', sessions: 'revoked' },
    });
    await audit.record(
      { ...withDirectory, requestId: 'req-2' },
      {
        result: 'failed',
        errorCode: 'SMS_OPTED_OUT',
        directoryStep: { result: 'scrambled', sessions: 'DIRECTORY_ACCESS_DENIED' },
      },
    );
    const rows = await audit.list({ limit: 10 });
    expect(rows.map((r) => r.directoryStep)).toEqual([
      { result: 'scrambled', sessions: 'DIRECTORY_ACCESS_DENIED' },
      { result: 'set', marker: '2026-11-30T00:00:00.000Z', sessions: 'revoked' },
    ]);
  });

  it.skipIf(unavailable)('records whether the employee was told by DM, on that row only', async () => {
    const { audit } = await open();
    const told = await audit.begin({ ...entry, directory: { kind: 'ldap', accountId: 'uid=jdoe', login: 'jdoe' } });
    await audit.finish(told, { result: 'sent', messageSid: 'SM1', deliveryStatus: 'queued' });
    await audit.record({ ...entry, requestId: 'req-2' }, { result: 'refused', errorCode: 'NOT_ADMIN' });
    await audit.recordEmployeeNotice(told, 'not_in_slack');
    const rows = await audit.list({ limit: 10 });
    expect(rows.map((r) => [r.result, r.employeeNotice])).toEqual([
      ['refused', undefined],
      ['sent', 'not_in_slack'],
    ]);
    // The row's own outcome is untouched: the notice is beside it, not a new state of it.
    expect(rows[1]).toMatchObject({ result: 'sent', messageSid: 'SM1', deliveryStatus: 'queued' });
  });

  it.skipIf(unavailable)('migrates a new database, and again idempotently', async () => {
    const url = await freshDatabaseUrl(engine);
    const first = await open(url);
    await first.audit.record(entry, { result: 'refused', errorCode: 'NOT_ADMIN' });
    const second = await open(url); // a second replica starting on the same database
    expect(await second.audit.list({ limit: 10 })).toHaveLength(1);
    const migrations = await second.store.db
      .selectFrom('kysely_migration' as never)
      .select('name' as never)
      .execute();
    expect(migrations).toEqual([
      { name: '0001_resets' },
      { name: '0002_submissions_limits_delivery' },
      { name: '0003_directory' },
      { name: '0004_forms' },
      { name: '0005_confirmed_phone' },
      { name: '0006_directory_sessions' },
      { name: '0007_expiries' },
      { name: '0008_watch' },
      { name: '0009_employee_notice' },
      { name: '0010_verifications' },
      { name: '0011_verifications_overdue' },
      { name: '0012_home_viewers' },
    ]);
  });

  it.skipIf(unavailable)('never lets a late finish overwrite a row shutdown already marked unknown', async () => {
    const { audit } = await open();
    const id = await audit.begin(entry);
    expect(await audit.recoverInterrupted(new Date(Date.now() + 1000), [id])).toHaveLength(1);
    expect(await audit.finish(id, { result: 'sent', messageSid: 'SM1', deliveryStatus: 'queued' })).toBe(false);
    expect((await audit.list({ limit: 1 }))[0]).toMatchObject({ id, result: 'unknown', errorCode: 'INTERRUPTED' });
    expect((await audit.list({ limit: 1 }))[0]?.messageSid).toBeUndefined();
  });

  it.skipIf(unavailable)('migrates once when two replicas start together', async () => {
    const url = await freshDatabaseUrl(engine);
    const [a, b] = await Promise.all([open(url), open(url)]);
    await a.audit.record(entry, { result: 'invalid' });
    expect(await b.audit.list({ limit: 5 })).toHaveLength(1);
  });

  it.skipIf(unavailable)('keeps one row per outcome, newest first, with every field', async () => {
    let t = Date.parse('2026-11-25T10:00:00.000Z');
    const tick = () => {
      t += 1000;
      return new Date(t);
    };
    const { audit } = await open(undefined, tick);
    await audit.record({ requestId: 'r0', adminUserId: 'U9' }, { result: 'refused', errorCode: 'NOT_ADMIN' });
    const id = await audit.begin(entry);
    const sending = await audit.list({ limit: 1 });
    expect(sending[0]).toMatchObject({ id, result: 'sending', employee: entry.employee });
    await audit.finish(id, { result: 'sent', messageSid: 'SM1' });
    const failed = await audit.begin({ ...entry, requestId: 'r2', employee: { ...entry.employee, code: 'E-2' } });
    await audit.finish(failed, { result: 'failed', errorCode: 'SMS_OPTED_OUT', twilioErrorCode: 21610 });

    const rows = await audit.list({ limit: 10 });
    expect(rows.map((r) => r.result)).toEqual(['failed', 'sent', 'refused']);
    expect(rows[0]).toMatchObject({ errorCode: 'SMS_OPTED_OUT', twilioErrorCode: 21610, employee: { code: 'E-2' } });
    expect(rows[1]).toEqual({
      id,
      createdAt: '2026-11-25T10:00:02.000Z',
      updatedAt: '2026-11-25T10:00:03.000Z',
      requestId: 'req-1',
      teamId: 'T1',
      adminUserId: 'U1',
      employee: { name: 'Jane Doe', code: 'E-1', phoneE164: '+14155552671' },
      reason: 'INC-1',
      result: 'sent',
      messageSid: 'SM1',
    });
    expect(rows[2]).toEqual(expect.not.objectContaining({ employee: expect.anything() }));
    expect(await audit.list({ limit: 10, employeeCode: 'E-1' })).toHaveLength(1);
    const since = await audit.list({ limit: 10, since: '2026-11-25T10:00:02.000Z' });
    expect(since.map((r) => r.result)).toEqual(['failed', 'sent']);
    expect(await audit.list({ limit: 1 })).toHaveLength(1);
  });

  it.skipIf(unavailable)('marks interrupted sends unknown, each exactly once', async () => {
    const url = await freshDatabaseUrl(engine);
    const { audit } = await open(url, () => new Date('2026-11-25T10:00:00.000Z'));
    const stuck = await audit.begin(entry);
    const done = await audit.begin({ ...entry, requestId: 'r2' });
    await audit.finish(done, { result: 'sent', messageSid: 'SM2' });
    const later = (await open(url, () => new Date('2026-11-25T10:10:00.000Z'))).audit;
    const young = await later.begin({ ...entry, requestId: 'r3' });

    const cutoff = new Date('2026-11-25T10:05:00.000Z');
    const [first, second] = await Promise.all([audit.recoverInterrupted(cutoff), later.recoverInterrupted(cutoff)]);
    const recovered = [...first, ...second];
    expect(recovered.map((r) => r.id)).toEqual([stuck]);
    expect(recovered[0]).toMatchObject({ result: 'unknown', errorCode: 'INTERRUPTED', adminUserId: 'U1' });
    const byId = new Map((await later.list({ limit: 10 })).map((r) => [r.id, r.result]));
    expect(byId.get(young)).toBe('sending');
    expect(byId.get(done)).toBe('sent');
  });
});

describe('parseDatabaseUrl', () => {
  it('accepts sqlite paths and postgres URLs only', () => {
    expect(parseDatabaseUrl('sqlite:./data/resetpw.sqlite')).toEqual({
      engine: 'sqlite',
      path: './data/resetpw.sqlite',
    });
    expect(parseDatabaseUrl('sqlite:///var/lib/resetpw.sqlite')).toEqual({
      engine: 'sqlite',
      path: '/var/lib/resetpw.sqlite',
    });
    expect(parseDatabaseUrl('postgresql://u@h/db')).toEqual({ engine: 'postgres', url: 'postgresql://u@h/db' });
    expect(parseDatabaseUrl('mysql://x')).toBeUndefined();
    expect(parseDatabaseUrl('sqlite:')).toBeUndefined();
  });
});

describe('SQLite migration lock and messages (issue 8, defects 7 and 9)', () => {
  it('never takes over a held migration lock silently', async () => {
    const url = await freshDatabaseUrl('sqlite');
    const first = await openStore(url);
    await first.db
      .updateTable('kysely_migration_lock' as never)
      .set({ is_locked: 1 } as never)
      .execute();
    await first.close();
    const warnings: string[] = [];
    const second = await openStore(url, { onWarning: (m) => warnings.push(m), lockStealMs: 100 });
    await second.close();
    expect(warnings).toEqual([expect.stringContaining('the migration lock was held for 0.1 s; taking it over')]);
  });

  it('names the database when it cannot be prepared', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'resetpw-notdir-'));
    writeFileSync(join(dir, 'file'), 'x');
    const path = join(dir, 'file', 'resetpw.sqlite');
    await expect(openStore(`sqlite:${path}`)).rejects.toThrow(`could not open the database at ${path} (EEXIST)`);
  });
});
