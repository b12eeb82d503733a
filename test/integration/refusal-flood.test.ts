import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore } from '../../src/store/database.js';
import { type Harness, NON_ADMIN, startHarness, waitFor } from '../helpers/harness.js';

/** Issue 8, defect 8: 100 commands from a non-admin are 100 answers, but one audit row and one channel post. */
describe('a flood of refused commands', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { AUDIT_CHANNEL_ID: 'C0ITAUDIT' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('answers each, records one row with the count, and announces once a minute', async () => {
    for (let i = 0; i < 100; i++) await h.driver.command(NON_ADMIN);
    await waitFor(() => h.slack.responses.length === 100, 20_000, '100 answers');
    expect(h.slack.responses.every((r) => String(r.body.text).includes('Not allowed'))).toBe(true);
    const store = await openStore(String(h.env.DATABASE_URL));
    try {
      const rows = await createAuditStore(store.db).list({ limit: 200 });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        result: 'refused',
        errorCode: 'NOT_ADMIN',
        adminUserId: NON_ADMIN,
        repeatCount: 100,
      });
    } finally {
      await store.close();
    }
    expect(h.slack.channelHistory('C0ITAUDIT')).toHaveLength(1);
  }, 60_000);
});
