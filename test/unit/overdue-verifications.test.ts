import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Directory, EmployeeApprovals, StoredVerification, VerificationStore } from '../../src/ports/index.js';
import { createApproval } from '../../src/services/approval.js';
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
      return createVerificationStore(store.db, store.engine);
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

  /**
   * The question ran out, and the admin pressed "Text a code instead" in the moment between its end and the notice
   * to their modal: the notice must not put "did not answer in time" over the code step (an outsider's finding).
   */
  it.each(['the sweep', 'the timer'] as const)(
    'does not tell a modal the admin has moved on from (%s)',
    async (path) => {
      const store = await openStore(await freshDatabaseUrl('sqlite'));
      stores.push(store);
      const rows = createVerificationStore(store.db, store.engine);
      let onEnd: ((id: string) => Promise<void>) | undefined;
      // The store as the service sees it: right after a question is ended `expired`, the admin's click comes.
      const hooked: VerificationStore = {
        ...rows,
        end: async (id, state, now, from) => {
          const moved = await rows.end(id, state, now, from);
          if (moved && state === 'expired') await onEnd?.(id);
          return moved;
        },
      };
      const settled: string[] = [];
      const approvals: EmployeeApprovals = {
        ask: async () => ({ asked: true, userId: 'U0EMPLOYEE1', dm: { channel: 'D0EMP', ts: '1.1' } }),
        settle: async (_dm, outcome) => void settled.push(outcome),
      };
      const approval = createApproval({
        store: hooked,
        approvals,
        alerts: { possibleImpersonation: async () => undefined, declined: async () => undefined },
        ttlMs: 20,
        lockMs: 60_000,
        log: silent,
      });
      const withdrawn: boolean[] = [];
      onEnd = async (id) => void withdrawn.push(await approval.withdraw(id, 'U0ADMIN01'));
      const told: string[] = [];
      const tell = async (row: StoredVerification) => void told.push(row.id);
      const request = {
        id: 'q1',
        viewId: 'V1',
        adminUserId: 'U0ADMIN01',
        directoryKind: 'ldap',
        accountId: 'uid=jdoe',
        employeeCode: 'E-1',
        email: 'jdoe@example.com',
      };
      if (path === 'the timer') {
        expect((await approval.ask(request, silent, tell)).status).toBe('asked');
        await new Promise((r) => setTimeout(r, 200));
      } else {
        const old = new Date(Date.now() - 60_000);
        await rows.create({ ...request, method: 'slack_approval', codeHash: '', expiresAt: old }, old);
        await rows.setApprovalMessage('q1', 'U0EMPLOYEE1', { channel: 'D0EMP', ts: '1.1' });
        expect(await approval.expireOverdue(tell, silent)).toBe(1);
      }
      // The admin's click was let through (a code goes out), and the modal was not told the question ran out.
      expect(withdrawn).toEqual([true]);
      expect(told).toEqual([]);
      expect(settled).toEqual(['expired']);
      expect((await rows.get('q1'))?.state).toBe('failed');
      approval.stop();
    },
  );
});
