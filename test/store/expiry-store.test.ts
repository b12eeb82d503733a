import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExpiryNotices, LivePassword } from '../../src/ports/index.js';
import { createCompensator } from '../../src/services/compensation.js';
import { createExpiryScheduler } from '../../src/services/expiry.js';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createExpiryStore } from '../../src/store/expiry-store.js';
import { FakeDirectory } from '../fakes/fake-directory.js';
import { ENGINES, freshDatabaseUrl, postgresAvailable } from '../helpers/databases.js';

const silent = pino({ level: 'silent' });

/** Expiries on a real store, SQLite and PostgreSQL: claimed once across processes, run after downtime. */
describe.each(ENGINES)('expiries on %s', (engine) => {
  const unavailable = engine === 'postgres' && !postgresAvailable();
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });
  const open = async (url: string) => {
    const store = await openStore(url);
    stores.push(store);
    return store;
  };
  /** A finished reset whose password is set: the audit row an expiry is about. */
  const resetRow = async (store: Store, accountId: string) => {
    const audit = createAuditStore(store.db);
    const id = await audit.begin({
      requestId: `r-${accountId}`,
      adminUserId: 'U0ADMIN01',
      employee: { name: 'Jane Doe', code: 'E-1' },
      directory: { kind: 'ldap', accountId, login: 'jdoe' },
    });
    await audit.finish(id, { result: 'sent', messageSid: 'SM1', directoryStep: { result: 'set', marker: '1' } });
    return id;
  };
  const live = (auditId: string, accountId: string, dueAt: Date): LivePassword => ({
    auditId,
    dueAt,
    setAt: new Date(dueAt.getTime() - 60_000),
    endsAt: dueAt,
    expires: true,
    directoryKind: 'ldap',
    accountId,
    login: 'jdoe',
    marker: '1',
    adminUserId: 'U0ADMIN01',
    employeeName: 'Jane Doe',
  });

  it.skipIf(unavailable)(
    'claims each due expiry exactly once between two processes, and holds it for the lease',
    async () => {
      const url = await freshDatabaseUrl(engine);
      const [a, b] = [await open(url), await open(url)];
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const id = await resetRow(a, `uid=u${i}`);
        ids.push(id);
        await createExpiryStore(a.db).schedule(live(id, `uid=u${i}`, new Date(Date.now() - 1000)));
      }
      const claimed: string[] = [];
      const drain = async (store: Store) => {
        const expiries = createExpiryStore(store.db);
        for (;;) {
          const due = await expiries.claimDue(new Date(), 60_000);
          if (!due) return;
          claimed.push(due.auditId);
        }
      };
      await Promise.all([drain(a), drain(b)]);
      expect([...claimed].sort()).toEqual([...ids].sort());
      // Held: not claimable again until the lease lapses; then it is (a process died holding it).
      expect(await createExpiryStore(b.db).claimDue(new Date(), 60_000)).toBeUndefined();
      // Nothing claimable until the first lease ends: the next wake is then, not now (a due time would spin).
      const next = await createExpiryStore(b.db).nextDueAt();
      expect(next?.getTime()).toBeGreaterThan(Date.now() + 50_000);
      const later = await createExpiryStore(b.db).claimDue(new Date(Date.now() + 61_000), 60_000);
      expect(ids).toContain(later?.auditId);
    },
  );

  it.skipIf(unavailable)('lets only the holder of the current claim finish or release it', async () => {
    const store = await open(await freshDatabaseUrl(engine));
    const expiries = createExpiryStore(store.db);
    const id = await resetRow(store, 'uid=stale');
    await expiries.schedule(live(id, 'uid=stale', new Date(Date.now() - 1000)));
    const first = await expiries.claimDue(new Date(), 1000);
    const second = await expiries.claimDue(new Date(Date.now() + 2000), 60_000); // the first lease lapsed
    if (!first || !second) throw new Error('both claims expected');
    expect([first.auditId, second.auditId]).toEqual([id, id]);
    expect(await expiries.finish(first, 'expired', new Date())).toBe(false);
    expect(await expiries.release(first, new Date())).toBe(false);
    expect(await expiries.finish(second, 'changed', new Date())).toBe(true);
  });

  it.skipIf(unavailable)('runs at the next start an expiry that fell due while no process was up, once', async () => {
    const url = await freshDatabaseUrl(engine);
    const store = await open(url);
    const directory = new FakeDirectory();
    const account = directory.add({ login: 'jdoe', employeeCode: 'E-1' });
    await directory.setTemporaryPassword(account, 'Temp-1');
    const id = await resetRow(store, account.id);
    await createExpiryStore(store.db).schedule(live(id, account.id, new Date(Date.now() - 3_600_000)));
    const told: string[] = [];
    const notices: ExpiryNotices = {
      changed: async (seen) => void told.push(`${seen.password.auditId}:changed`),
      expired: async (p, result) => void told.push(`${p.auditId}:${result}`),
      cannotTell: async (p) => void told.push(`${p.auditId}:cannot_tell`),
    };
    const scheduler = (s: Store) =>
      createExpiryScheduler({
        store: createExpiryStore(s.db),
        audit: createAuditStore(s.db),
        directory,
        compensator: createCompensator({ directory, audit: createAuditStore(s.db), log: silent }),
        notices,
        ttlMs: 60_000,
        revokeSessions: false,
        log: silent,
      });
    const [first, second] = [scheduler(store), scheduler(await open(url))];
    await Promise.all([first.start(), second.start()]);
    await Promise.all([first.stop(), second.stop()]);
    expect(told).toEqual([`${id}:scrambled`]);
    expect(directory.writes.filter((w) => w.op === 'scramble')).toHaveLength(1);
    const [row] = await createAuditStore(store.db).list({ limit: 1 });
    expect(row?.directoryStep).toMatchObject({ result: 'scrambled', detail: 'expired' });
  });
});

describe('an expiry without the marker read after the set', () => {
  it('leaves the password alone and tells the admin, rather than risk scrambling the employee’s own', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      const directory = new FakeDirectory();
      const account = directory.add({ login: 'jdoe', employeeCode: 'E-1' });
      await directory.setTemporaryPassword(account, 'Temp-1');
      const audit = createAuditStore(store.db);
      const id = await audit.begin({
        requestId: 'r-1',
        adminUserId: 'U0ADMIN01',
        employee: { name: 'Jane Doe', code: 'E-1' },
        directory: { kind: 'ldap', accountId: account.id, login: 'jdoe' },
      });
      // The marker read after the set failed: the row has none.
      await audit.finish(id, { result: 'sent', messageSid: 'SM1', directoryStep: { result: 'set' } });
      await createExpiryStore(store.db).schedule({
        auditId: id,
        dueAt: new Date(Date.now() - 1000),
        setAt: new Date(Date.now() - 61_000),
        endsAt: new Date(Date.now() - 1000),
        expires: true,
        directoryKind: 'ldap',
        accountId: account.id,
        login: 'jdoe',
        marker: '',
        adminUserId: 'U0ADMIN01',
        employeeName: 'Jane Doe',
      });
      const told: string[] = [];
      const scheduler = createExpiryScheduler({
        store: createExpiryStore(store.db),
        audit,
        directory,
        compensator: createCompensator({ directory, audit, log: silent }),
        notices: {
          changed: async () => void told.push('changed'),
          expired: async () => void told.push('expired'),
          cannotTell: async () => void told.push('cannot_tell'),
        },
        ttlMs: 60_000,
        revokeSessions: false,
        log: silent,
      });
      await scheduler.start();
      await scheduler.stop();
      expect(told).toEqual(['cannot_tell']);
      expect(directory.writes.filter((w) => w.op === 'scramble')).toHaveLength(0);
    } finally {
      await store.close();
    }
  });
});
