import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { ExpiryStore } from '../../src/ports/index.js';
import { createCompensator } from '../../src/services/compensation.js';
import { createExpiryScheduler } from '../../src/services/expiry.js';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createExpiryStore } from '../../src/store/expiry-store.js';
import { FakeDirectory } from '../fakes/fake-directory.js';
import { ENGINES, freshDatabaseUrl, postgresAvailable } from '../helpers/databases.js';
import { LogCapture } from '../helpers/harness.js';

/**
 * A temporary password's expiry is a row in the store, written while the text goes out. A store that fails that
 * write for a moment (a lost connection, a failover) is asked again, so that the password does not outlive
 * TEMP_PASSWORD_TTL for want of its row; one that keeps failing is logged as a password that will not expire.
 */
describe.each(ENGINES)('scheduling an expiry while the store falters, on %s', (engine) => {
  const unavailable = engine === 'postgres' && !postgresAvailable();
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  async function setUp(failures: number, options: { firstAnswerLost?: boolean; hang?: boolean } = {}) {
    const store = await openStore(await freshDatabaseUrl(engine));
    stores.push(store);
    const real = createExpiryStore(store.db);
    const attempts: string[] = [];
    const faltering: ExpiryStore = {
      ...real,
      async schedule(p) {
        attempts.push(p.auditId);
        // A store that never answers (a lock held elsewhere, a connection that hangs).
        if (options.hang) return new Promise<void>(() => undefined);
        // The write happens, and only its answer is lost: a retry must not duplicate it.
        if (attempts.length === 1 && options.firstAnswerLost) await real.schedule(p);
        if (attempts.length <= failures) throw Object.assign(new Error('Connection terminated'), { code: '57P01' });
        await real.schedule(p);
      },
    };
    const logs = new LogCapture();
    const log = createLogger({ level: 'debug', destination: logs });
    const audit = createAuditStore(store.db);
    const directory = new FakeDirectory();
    const scheduler = createExpiryScheduler({
      store: faltering,
      audit,
      directory,
      compensator: createCompensator({ directory, audit, log }),
      notices: { changed: async () => undefined, expired: async () => undefined, cannotTell: async () => undefined },
      ttlMs: 60 * 60_000,
      revokeSessions: false,
      log,
      scheduleRetryMs: [1, 5, 10],
      scheduleWithinMs: options.hang ? 300 : 60_000,
    });
    const schedule = async () => {
      await scheduler.schedule(
        {
          auditId: 'a-1',
          directoryKind: 'ldap',
          accountId: 'uid=jdoe',
          login: 'jdoe',
          marker: '',
          adminUserId: 'U0ADMIN01',
          employeeName: 'Jane Doe',
        },
        log,
      );
      await scheduler.stop();
    };
    const rows = () => store.db.selectFrom('expiries').selectAll().execute();
    return { schedule, rows, attempts, logs };
  }

  it.skipIf(unavailable)('asks the store again, and schedules the expiry once', async () => {
    const { schedule, rows, attempts, logs } = await setUp(2, { firstAnswerLost: true });
    await schedule();
    expect(attempts).toEqual(['a-1', 'a-1', 'a-1']);
    const written = await rows();
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ audit_id: 'a-1', state: 'pending', account_id: 'uid=jdoe', expires: 1 });
    const entries = logs.entries();
    expect(entries.filter((e) => e.msg === 'could not schedule the password expiry; trying again')).toEqual([
      expect.objectContaining({ level: 40, auditId: 'a-1', attempt: 1 }),
      expect.objectContaining({ level: 40, auditId: 'a-1', attempt: 2 }),
    ]);
    expect(entries.filter((e) => e.level === 50)).toEqual([]);
  });

  it.skipIf(unavailable)(
    'says in the log, once, that the password will not expire when the store keeps failing',
    async () => {
      const { schedule, attempts, logs } = await setUp(10);
      await schedule();
      expect(attempts).toHaveLength(4);
      const errors = logs.entries().filter((e) => e.level === 50);
      expect(errors).toEqual([
        expect.objectContaining({
          msg: 'could not schedule the password expiry: the temporary password will not expire on its own',
          auditId: 'a-1',
          attempts: 4,
        }),
      ]);
    },
  );

  it.skipIf(unavailable)('gives up on a store that does not answer within its time, and says so once', async () => {
    const { schedule, attempts, logs } = await setUp(0, { hang: true });
    await schedule();
    // Each attempt ends when the time left runs out: the first one takes all of it.
    expect(attempts).toEqual(['a-1']);
    expect(logs.entries().filter((e) => e.level === 50)).toEqual([
      expect.objectContaining({ auditId: 'a-1', attempts: 1, err: expect.objectContaining({ code: 'INTERNAL' }) }),
    ]);
  });
});
