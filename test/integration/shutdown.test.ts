import { describe, expect, it } from 'vitest';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore } from '../../src/store/database.js';
import { MAGIC_TO } from '../fakes/fake-twilio.js';
import { ADMIN, startHarness, waitFor } from '../helpers/harness.js';

describe('shutdown', () => {
  it('marks a send that outlives the drain as unknown and tells its admin before stopping', async () => {
    const h = await startHarness({ env: { TWILIO_TIMEOUT_MS: '5000' } });
    try {
      h.twilio.slowMs = 3000;
      await h.driver.command(ADMIN);
      await waitFor(() => h.slack.callsTo('views.open').length === 1, 5000, 'form');
      await h.driver.submit(ADMIN, { name: 'Jane Doe', code: 'E-1042', phone: MAGIC_TO.slow });
      await waitFor(() => h.twilio.createRequests.length === 1, 5000, 'send started');
      await h.bot.stop({ drainMs: 200 });

      const dm = h.slack.callsTo('chat.postMessage');
      expect(dm).toHaveLength(1);
      expect(String(dm[0]?.args.text)).toContain('Outcome unknown');
      expect(String(dm[0]?.args.text)).toContain('Jane Doe at +•••••••0555');
      const store = await openStore(String(h.env.DATABASE_URL));
      try {
        const [row] = await createAuditStore(store.db).list({ limit: 1 });
        expect(row).toMatchObject({ result: 'unknown', errorCode: 'INTERRUPTED' });
      } finally {
        await store.close();
      }
      expect(h.logs.text).toContain('shutdown before the reset finished: reset marked unknown');
    } finally {
      await h.stop();
    }
  });
});
