import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmployeeApprovals } from '../../src/ports/index.js';
import { createApproval } from '../../src/services/approval.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createVerificationStore } from '../../src/store/verification-store.js';
import { buildApprovalView } from '../../src/views/approval.js';
import { freshDatabaseUrl } from '../helpers/databases.js';

const silent = pino({ level: 'silent' });

/** When the employee cannot be asked in Slack, the admin's modal says why, in words that tell them what to do. */
describe('an employee who cannot be asked in Slack', () => {
  const text = (why?: string) =>
    JSON.stringify(
      buildApprovalView({ privateMetadata: '{}', state: 'unavailable', minutes: 5, ...(why ? { why } : {}) }),
    );

  it.each([
    ['no_email', 'holds no email for them'],
    ['directory_unavailable', 'could not be asked for their email just now'],
    ['not_in_slack', 'no Slack member has the email'],
    ['is_the_admin', 'your own Slack account'],
    ['is_a_bot', 'is a bot'],
    ['channel_not_found', 'may not message them'],
  ])('says so for %s', (why, words) => {
    const shown = text(why);
    expect(shown).toContain('cannot be asked in Slack');
    expect(shown).toContain(words);
    expect(shown).toContain('Nothing has been changed');
    // "Text a code instead" stays.
    expect(shown).toContain('Text a code instead');
  });

  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  it('tells a directory that could not be asked from one that holds no email, and asks nobody either way', async () => {
    const store = await openStore(await freshDatabaseUrl('sqlite'));
    stores.push(store);
    const asked: string[] = [];
    const approvals: EmployeeApprovals = {
      ask: async (q) => {
        asked.push(q.email);
        return { asked: false, why: 'not_in_slack' };
      },
      settle: async () => undefined,
    };
    const results: string[] = [];
    const approval = createApproval({
      store: createVerificationStore(store.db, store.engine),
      approvals,
      alerts: { possibleImpersonation: async () => undefined, declined: async () => undefined },
      ttlMs: 60_000,
      lockMs: 60_000,
      log: silent,
      onResult: (r) => void results.push(r),
    });
    const request = {
      id: 'ver-1',
      viewId: 'V1',
      adminUserId: 'U0ADMIN01',
      directoryKind: 'ldap',
      accountId: 'uid=jdoe,ou=people',
      employeeCode: 'E-1',
    };
    const failed = await approval.ask(
      { ...request, email: undefined, emailLookupFailed: true },
      silent,
      async () => {},
    );
    expect(failed).toEqual({ status: 'unavailable', why: 'directory_unavailable' });
    const none = await approval.ask({ ...request, id: 'ver-2', email: undefined }, silent, async () => {});
    expect(none).toEqual({ status: 'unavailable', why: 'no_email' });
    expect(asked).toEqual([]);
    expect(results).toEqual(['unavailable', 'unavailable']);
  });
});
