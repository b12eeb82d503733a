import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Directory, StoredVerification } from '../../src/ports/index.js';
import { createFactorVerification } from '../../src/services/factor.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createVerificationStore } from '../../src/store/verification-store.js';
import { freshDatabaseUrl } from '../helpers/databases.js';

const silent = pino({ level: 'silent' });

/**
 * A push whose process ended while it waited (the approval's twin is driven over the wire in
 * test/directory/verification-approval.test.ts): the sweep ends it on any replica, once, and leaves alone the pushes
 * a process still waits for.
 */
describe('pushes whose process ended before their answer', () => {
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  it('ends an orphaned push once, tells the modal, and leaves a push still awaited here alone', async () => {
    const url = await freshDatabaseUrl('sqlite');
    const open = async () => {
      const store = await openStore(url);
      stores.push(store);
      return createVerificationStore(store.db);
    };
    // The push never answers until it is abandoned.
    const directory = {
      kind: 'okta',
      pushToEnrolledFactor: (_id: string, o: { signal?: AbortSignal }) =>
        new Promise((_resolve, reject) => o.signal?.addEventListener('abort', () => reject(new Error('aborted')))),
    } as unknown as Directory;
    const results: string[] = [];
    const make = async () =>
      createFactorVerification({
        store: await open(),
        directory,
        alerts: { possibleImpersonation: async () => undefined, declined: async () => undefined },
        ttlMs: 1,
        lockMs: 60_000,
        onResult: (r) => void results.push(r),
      });
    const here = await make();
    const other = await make();
    const replicaThatDied = await open();
    const base = {
      viewId: 'V1',
      adminUserId: 'U0ADMIN01',
      directoryKind: 'okta',
      accountId: '00uORPHAN',
      employeeCode: 'E-1',
      method: 'directory_factor' as const,
      codeHash: '',
      expiresAt: new Date(Date.now() - 60_000),
    };
    await replicaThatDied.create({ ...base, id: 'orphan' }, new Date(Date.now() - 120_000));
    // A push this process still waits for, already past its (1 ms) time.
    const awaited = here.push(
      { id: 'live', viewId: 'V2', adminUserId: 'U0ADMIN01', accountId: '00uLIVE', employeeCode: 'E-2' },
      silent,
    );
    await new Promise((r) => setTimeout(r, 20));

    const told: StoredVerification[] = [];
    const tell = async (row: StoredVerification) => void told.push(row);
    // The replica waiting for `live` ends only the orphan.
    expect(await here.expireOverdue(tell, silent)).toBe(1);
    expect(told.map((r) => r.id)).toEqual(['orphan']);
    expect((await replicaThatDied.get('orphan'))?.state).toBe('expired');
    expect((await replicaThatDied.get('live'))?.state).toBe('pending');
    // Another replica does not wait for `live`, and its time (and grace) is up: it ends it; the orphan is not ended
    // twice.
    expect(await other.expireOverdue(tell, silent)).toBe(1);
    expect(told.map((r) => r.id)).toEqual(['orphan', 'live']);
    expect(await here.expireOverdue(tell, silent)).toBe(0);
    expect(results.filter((r) => r === 'timed_out')).toHaveLength(2);
    here.stop();
    expect(await awaited).toEqual({ status: 'withdrawn' });
  });
});
