import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../src/errors.js';
import type { DirectoryAccount, PasswordChangeSeen } from '../../src/ports/index.js';
import { createCompensator } from '../../src/services/compensation.js';
import { createExpiryScheduler } from '../../src/services/expiry.js';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createExpiryStore } from '../../src/store/expiry-store.js';
import { FakeDirectory } from '../fakes/fake-directory.js';

const silent = pino({ level: 'silent' });
const MIN = 60_000;
const T0 = Date.parse('2026-11-30T10:00:00Z');

/**
 * What an outsider's attack on the watch found (2026-11-30), kept as regressions: a late path scrambling the
 * employee's own password, an older watch reporting a newer reset's change, an end of validity left behind, and one
 * removed from an unused password.
 */
describe('the watch and the late paths, racing', () => {
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  async function world(ttlMs = 60 * MIN) {
    const store = await openStore('sqlite::memory:');
    stores.push(store);
    const audit = createAuditStore(store.db);
    const directory = new FakeDirectory();
    const account = directory.add({ login: 'jdoe', employeeCode: 'E-1' });
    let clock = T0;
    const seen: PasswordChangeSeen[] = [];
    const told: string[] = [];
    const compensator = createCompensator({ directory, audit, log: silent });
    const scheduler = createExpiryScheduler({
      store: createExpiryStore(store.db),
      audit,
      directory,
      compensator,
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
    /** The n-th reset's row, `sending` (its directory step `setting`): a reset under way. */
    const begin = (n: number) =>
      audit.begin({
        requestId: `r-${n}`,
        adminUserId: 'U0ADMIN01',
        employee: { name: 'Jane Doe', code: 'E-1', phoneE164: '+15005550006' },
        directory: { kind: 'ldap', accountId: account.id, login: 'jdoe' },
      });
    /** A reset whose password is set (with the native end of validity when asked) and whose text went out. */
    const reset = async (n: number, o: { validUntil?: Date; marker?: boolean } = {}) => {
      const receipt = await directory.setTemporaryPassword(
        account as DirectoryAccount,
        `Temp-${n}`,
        o.validUntil ? { validUntil: o.validUntil } : undefined,
      );
      const marker = o.marker === false ? undefined : await receipt.marker;
      const auditId = await begin(n);
      await audit.finish(auditId, {
        result: 'sent',
        messageSid: `SM${n}`,
        deliveryStatus: 'queued',
        directoryStep: { result: 'set', ...(marker ? { marker } : {}) },
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
      return auditId;
    };
    const at = async (ms: number) => {
      clock = T0 + ms;
      await scheduler.start();
      await scheduler.stop();
    };
    const step = async (id: string) => (await audit.get(id))?.directoryStep?.result;
    return { store, audit, directory, account, compensator, seen, told, begin, reset, at, step };
  }

  it('never scrambles a password the employee chose, whatever path comes late (an undelivered report, Twilio’s log)', async () => {
    const w = await world();
    const id = await w.reset(1);
    w.directory.changeOwnPassword(w.account.id, 'Mine-1');
    await w.at(1 * MIN); // the watch sees the change
    expect(await w.step(id)).toBe('changed');
    for (const why of ['undelivered:30003', 'sms_not_found', 'interrupted']) {
      const target = { auditId: id, kind: 'ldap' as const, accountId: w.account.id };
      expect(await w.compensator.compensate(target, why, ['set'])).toBeUndefined();
    }
    expect(w.directory.passwordOf(w.account.id)).toBe('Mine-1');
    expect(w.directory.writes.filter((x) => x.op === 'scramble')).toEqual([]);
    expect(await w.step(id)).toBe('changed');
  });

  it('tells of the employee’s change once, by the newest reset’s watch: an older one is superseded', async () => {
    const w = await world(24 * 60 * MIN);
    const older = await w.reset(1);
    const newer = await w.reset(2);
    w.directory.changeOwnPassword(w.account.id, 'Mine-1');
    await w.at(2 * MIN);
    expect(w.seen.map((s) => s.password.auditId)).toEqual([newer]);
    expect(await w.step(older)).toBe('superseded');
    expect(await w.step(newer)).toBe('changed');
  });

  it('is not superseded by a newer reset still under way whose write then fails: the older password still expires', async () => {
    const w = await world(30 * MIN);
    const older = await w.reset(1);
    // A newer reset of the account has its row and is writing (`setting`) when the older one's watch looks.
    const newer = await w.begin(2);
    expect(await w.step(newer)).toBe('setting');
    await w.at(1 * MIN);
    expect(await w.step(older)).toBe('set');
    // Its write fails: the older password is still the live one, and its watch still in charge of it.
    await w.audit.finish(newer, {
      result: 'failed',
      errorCode: 'DIRECTORY_UNAVAILABLE',
      directoryStep: { result: 'failed', detail: 'DIRECTORY_UNAVAILABLE' },
    });
    await w.at(31 * MIN);
    expect(await w.step(older)).toBe('scrambled');
    expect(w.told).toEqual(['scrambled']);
    expect(w.directory.passwordOf(w.account.id)).not.toBe('Temp-1');
  });

  it.each([
    ['fails', 'scrambled'],
    ['sets its password', 'superseded'],
    ['is still writing after the wait', 'scramble_failed'],
  ] as const)(
    'scrambles an undelivered password only once a newer reset still writing is known: it %s → %s',
    async (newerDoes, expected) => {
      const w = await world();
      const older = await w.reset(1);
      const newer = await w.begin(2);
      const compensator = createCompensator({
        directory: w.directory,
        audit: w.audit,
        log: silent,
        waitForNewerMs: 400,
      });
      const scrambling = compensator.scramble(
        { auditId: older, kind: 'ldap', accountId: w.account.id },
        'undelivered:30003',
        silent,
      );
      await new Promise((resolve) => setTimeout(resolve, 150));
      if (newerDoes === 'fails') {
        await w.audit.finish(newer, {
          result: 'failed',
          errorCode: 'DIRECTORY_UNAVAILABLE',
          directoryStep: { result: 'failed' },
        });
      } else if (newerDoes === 'sets its password') {
        await w.audit.finish(newer, { result: 'sent', messageSid: 'SM2', directoryStep: { result: 'set' } });
      }
      expect(await scrambling).toBe(expected);
      const scrambles = w.directory.writes.filter((x) => x.op === 'scramble');
      expect(scrambles).toHaveLength(expected === 'scrambled' ? 1 : 0);
      // Scrambled only when the newer write failed: then the older, undelivered password was still the live one.
      expect(w.directory.passwordOf(w.account.id) === 'Temp-1').toBe(expected !== 'scrambled');
    },
  );

  it('keeps looking until the directory removes the end of validity after an expiry, and tells the admin once', async () => {
    const w = await world(60 * MIN);
    await w.reset(1, { validUntil: new Date(T0 + 60 * MIN) });
    for (const m of [1, 2, 5, 10, 30]) await w.at(m * MIN);
    w.directory.fail.clear = new AppError(ErrorCode.DirectoryUnavailable, 'blip');
    await w.at(60 * MIN);
    expect(w.told).toEqual(['scrambled']);
    expect(w.directory.validUntilOf(w.account.id)).toBeDefined();
    delete w.directory.fail.clear;
    await w.at(62 * MIN);
    // A passed end would refuse every later reset of the account: it is gone now, and nobody was told twice.
    expect(w.directory.validUntilOf(w.account.id)).toBeUndefined();
    expect(w.told).toEqual(['scrambled']);
  });

  it('keeps the end of validity of a password it cannot judge (no marker): it is what still ends an unused one', async () => {
    const w = await world(60 * MIN);
    await w.reset(1, { validUntil: new Date(T0 + 60 * MIN), marker: false });
    await w.at(60 * MIN);
    expect(w.told).toEqual(['cannot_tell']);
    expect(w.directory.validUntilOf(w.account.id)).toBeDefined();
    expect(w.directory.passwordOf(w.account.id)).toBe('Temp-1');
  });

  it('keeps the end of validity while a failed expiry scramble waits for the sweep, then removes it', async () => {
    const w = await world(60 * MIN);
    const id = await w.reset(1, { validUntil: new Date(T0 + 60 * MIN) });
    w.directory.fail.scramble = [new AppError(ErrorCode.DirectoryUnavailable, 'down')];
    await w.at(60 * MIN);
    expect(w.told).toEqual(['scramble_failed']);
    expect(await w.step(id)).toBe('scramble_failed');
    await w.at(62 * MIN);
    expect(w.directory.validUntilOf(w.account.id)).toBeDefined();
    // The sweep's retry (what the interrupted-send sweeper does every minute).
    const target = { auditId: id, kind: 'ldap' as const, accountId: w.account.id };
    expect(await w.compensator.compensate(target, 'expired', ['scramble_failed'])).toBe('scrambled');
    await w.at(64 * MIN);
    expect(w.directory.validUntilOf(w.account.id)).toBeUndefined();
    expect(w.told).toEqual(['scramble_failed']);
  });

  it('finishes a scramble whose process died between its claim and its result', async () => {
    const w = await world();
    const id = await w.reset(1);
    // The claim was taken, then the process died before the directory answered.
    await w.audit.moveDirectoryStep(id, ['set'], { result: 'scrambling', detail: 'undelivered:30003' });
    expect(await w.audit.scramblesToRetry()).toEqual([]); // too fresh: its process may still be at it
    const later = createAuditStore(w.store.db, () => new Date(Date.now() + 6 * MIN));
    const [row] = await later.scramblesToRetry();
    expect(row?.id).toBe(id);
  });
});
