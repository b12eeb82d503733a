import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore } from '../../src/store/database.js';
import { BLOCK_IDS } from '../../src/views/reset-modal.js';
import { ADMIN, type Harness, startHarness, waitFor } from '../helpers/harness.js';

/** Issue 8, defect 1: toll fraud. Premium-rate, toll-free, landline and foreign numbers are never texted. */
describe('numbers the bot refuses to text', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it.each([
    ['+1 900 555 0199', /premium-rate/],
    ['+44 909 879 0000', /number in GB/],
    ['+1 800 356 9377', /toll-free/],
    ['+44 20 7946 0958', /number in GB/],
    ['876 210 1234', /number in JM/],
  ])('keeps the form open for %s, says why, audits it, and sends nothing', async (phone, why) => {
    const opened = h.slack.callsTo('views.open').length;
    await h.driver.command(ADMIN);
    await waitFor(() => h.slack.callsTo('views.open').length === opened + 1, 5000, 'the form');
    const ack = await h.driver.submit(ADMIN, { name: 'Jane Doe', code: 'E-1042', phone });
    expect(ack.body).toMatchObject({
      response_action: 'errors',
      errors: { [BLOCK_IDS.phone]: expect.stringMatching(why) },
    });
    expect(h.twilio.createRequests).toHaveLength(0);
    const store = await openStore(String(h.env.DATABASE_URL));
    try {
      const [row] = await createAuditStore(store.db).list({ limit: 1 });
      expect(row).toMatchObject({ result: 'invalid', errorCode: 'INVALID_FORM:employee_phone' });
    } finally {
      await store.close();
    }
  });
});
