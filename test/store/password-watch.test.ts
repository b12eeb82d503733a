import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../src/errors.js';
import type { PasswordChangeSeen } from '../../src/ports/index.js';
import { createCompensator } from '../../src/services/compensation.js';
import { createExpiryScheduler, nextLook } from '../../src/services/expiry.js';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createExpiryStore } from '../../src/store/expiry-store.js';
import { FakeDirectory } from '../fakes/fake-directory.js';
import { ENGINES, freshDatabaseUrl, postgresAvailable } from '../helpers/databases.js';

const silent = pino({ level: 'silent' });
const MIN = 60_000;
const HOUR = 60 * MIN;

describe('the backoff of the change watch', () => {
  it('looks 1, 2, 5, 10 and 30 minutes after the set, then hourly, never past the end', () => {
    const set = 1_000_000;
    const end = set + 24 * HOUR;
    const looks: number[] = [];
    for (let at = set; looks.length < 9; ) {
      at = nextLook(set, at, end);
      looks.push((at - set) / MIN);
    }
    expect(looks).toEqual([1, 2, 5, 10, 30, 90, 150, 210, 270]);
    // A look that falls after the end is the end itself (the last look before expiring).
    expect(nextLook(set, set + 23.5 * HOUR, end)).toBe(end);
    expect(nextLook(set, set, set + 30_000)).toBe(set + 30_000);
  });
});

describe.each(ENGINES)('the watch over a live password on %s', (engine) => {
  const unavailable = engine === 'postgres' && !postgresAvailable();
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  /** A reset whose password is set in the fake directory, its audit row finished as sent and delivered. */
  async function setUp(ttlMs: number, options: { nativeLimit?: boolean } = {}) {
    const store = await openStore(await freshDatabaseUrl(engine));
    stores.push(store);
    const audit = createAuditStore(store.db);
    const directory = new FakeDirectory();
    const account = directory.add({ login: 'jdoe', employeeCode: 'E-1' });
    const receipt = await directory.setTemporaryPassword(
      account,
      'Temp-1',
      options.nativeLimit ? { validUntil: new Date(Date.parse('2026-11-30T10:00:00Z') + ttlMs) } : undefined,
    );
    const marker = await receipt.marker;
    const auditId = await audit.begin({
      requestId: 'r-1',
      adminUserId: 'U0ADMIN01',
      employee: { name: 'Jane Doe', code: 'E-1', phoneE164: '+15005550006' },
      directory: { kind: 'ldap', accountId: account.id, login: 'jdoe' },
    });
    await audit.finish(auditId, {
      result: 'sent',
      messageSid: 'SM1',
      deliveryStatus: 'queued',
      directoryStep: { result: 'set', marker },
    });
    let clock = Date.parse('2026-11-30T10:00:00Z');
    const seen: PasswordChangeSeen[] = [];
    const told: string[] = [];
    const scheduler = createExpiryScheduler({
      store: createExpiryStore(store.db),
      audit,
      directory,
      compensator: createCompensator({ directory, audit, log: silent }),
      notices: {
        changed: async (s) => void seen.push(s),
        expired: async (_p, result) => void told.push(result),
        cannotTell: async () => void told.push('cannot_tell'),
      },
      ttlMs,
      revokeSessions: false,
      log: silent,
      now: () => clock,
    });
    await scheduler.schedule(
      {
        auditId,
        directoryKind: 'ldap',
        accountId: account.id,
        login: 'jdoe',
        marker: '',
        adminUserId: 'U0ADMIN01',
        employeeName: 'Jane Doe',
        ...(receipt.validUntil ? { validUntil: receipt.validUntil } : {}),
      },
      silent,
    );
    await scheduler.stop();
    /** Moves the clock and lets the scheduler run what is due then. */
    const at = async (ms: number) => {
      clock = Date.parse('2026-11-30T10:00:00Z') + ms;
      await scheduler.start();
      await scheduler.stop();
    };
    const row = () =>
      store.db.selectFrom('expiries').selectAll().where('audit_id', '=', auditId).executeTakeFirstOrThrow();
    return { store, audit, directory, account, auditId, seen, told, at, row };
  }

  it.skipIf(unavailable)(
    'tells the admin once when the employee sets their own password, records it, and never expires it',
    async () => {
      const w = await setUp(24 * HOUR);
      expect((await w.row()).due_at).toBe('2026-11-30T10:01:00.000Z');
      await w.at(1 * MIN);
      // Not changed yet: the next look on the backoff.
      expect(await w.row()).toMatchObject({ state: 'pending', due_at: '2026-11-30T10:02:00.000Z' });
      await w.audit.recordDelivery(w.auditId, { status: 'delivered' }, 'delivered');
      w.directory.changeOwnPassword(w.account.id, 'Mine-1');
      await w.at(2 * MIN);
      expect(w.seen).toHaveLength(1);
      const [seen] = w.seen;
      expect(seen?.password).toMatchObject({ auditId: w.auditId, login: 'jdoe', employeeName: 'Jane Doe' });
      expect(seen?.seenAt.toISOString()).toBe('2026-11-30T10:02:00.000Z');
      expect(seen?.deliveredAt).toBeInstanceOf(Date);
      expect(seen?.record?.employee?.code).toBe('E-1');
      expect(await w.row()).toMatchObject({ state: 'done', outcome: 'changed' });
      const [audited] = await w.audit.list({ limit: 1 });
      expect(audited?.directoryStep?.result).toBe('changed');
      // Nothing is due any more: the end of the TTL scrambles nothing and tells nobody again.
      await w.at(25 * HOUR);
      expect(w.seen).toHaveLength(1);
      expect(w.told).toEqual([]);
      expect(w.directory.writes.filter((x) => x.op === 'scramble')).toHaveLength(0);
    },
  );

  it.skipIf(unavailable)('looks once more at the end, then expires an unused password', async () => {
    const w = await setUp(3 * HOUR);
    for (const m of [1, 2, 5, 10, 30, 90, 150]) await w.at(m * MIN);
    expect(await w.row()).toMatchObject({ state: 'pending', due_at: '2026-11-30T13:00:00.000Z' });
    expect(w.told).toEqual([]);
    await w.at(3 * HOUR);
    expect(w.told).toEqual(['scrambled']);
    expect(await w.row()).toMatchObject({ state: 'done', outcome: 'expired' });
  });

  it.skipIf(unavailable)('with TEMP_PASSWORD_TTL=0 watches for the change but never scrambles', async () => {
    const w = await setUp(0);
    expect((await w.row()).ends_at).toBe('2026-12-07T10:00:00.000Z');
    expect(Number((await w.row()).expires)).toBe(0);
    await w.at(7 * 24 * HOUR);
    expect(await w.row()).toMatchObject({ state: 'done', outcome: 'unwatched' });
    expect(w.told).toEqual([]);
    expect(w.directory.writes.filter((x) => x.op === 'scramble')).toHaveLength(0);
  });

  it.skipIf(unavailable)(
    'removes the directory’s own end of validity once the employee’s change is seen, and after an expiry',
    async () => {
      const changed = await setUp(24 * HOUR, { nativeLimit: true });
      const value = changed.directory.validUntilOf(changed.account.id);
      expect(value).toBe('2026-12-01T10:00:00.000Z');
      changed.directory.changeOwnPassword(changed.account.id, 'Mine-1');
      // The directory cannot remove it yet: the change is not recorded, and it is tried again.
      changed.directory.fail.clear = new AppError(ErrorCode.DirectoryUnavailable, 'directory down');
      await changed.at(1 * MIN);
      expect(changed.seen).toEqual([]);
      expect(changed.directory.validUntilOf(changed.account.id)).toBe(value);
      delete changed.directory.fail.clear;
      await changed.at(3 * MIN);
      expect(changed.seen).toHaveLength(1);
      expect(changed.directory.validUntilOf(changed.account.id)).toBeUndefined();

      const expired = await setUp(HOUR, { nativeLimit: true });
      for (const m of [1, 2, 5, 10, 30, 60]) await expired.at(m * MIN);
      expect(expired.told).toEqual(['scrambled']);
      // A passed end of validity would refuse the account's next reset.
      expect(expired.directory.validUntilOf(expired.account.id)).toBeUndefined();
    },
  );

  it.skipIf(unavailable)(
    'leaves an end of validity its owner wrote alone, whatever becomes of the password',
    async () => {
      const store = await setUp(HOUR);
      store.directory.setValidUntil(store.account.id, '2027-01-31T00:00:00.000Z');
      store.directory.changeOwnPassword(store.account.id, 'Mine-1');
      await store.at(1 * MIN);
      expect(store.seen).toHaveLength(1);
      expect(store.directory.validUntilOf(store.account.id)).toBe('2027-01-31T00:00:00.000Z');
    },
  );

  it.skipIf(unavailable)('stops watching a password undone since (the text was not delivered)', async () => {
    const w = await setUp(24 * HOUR);
    await w.audit.moveDirectoryStep(w.auditId, ['set'], { result: 'scrambled', detail: 'undelivered:30003' });
    w.directory.changeOwnPassword(w.account.id, 'Mine-1');
    await w.at(1 * MIN);
    expect(w.seen).toEqual([]);
    expect(await w.row()).toMatchObject({ state: 'done', outcome: 'already_undone' });
  });
});
