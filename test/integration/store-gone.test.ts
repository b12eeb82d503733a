import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, type Harness, startHarness, waitFor } from '../helpers/harness.js';

/** Issue 8, defect 6: a database file deleted while the bot runs is noticed, and nothing is sent. */
describe('the store is watched', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
  });

  it('refuses every reset once the SQLite file is gone, says so in the log, and texts nobody', async () => {
    h = await startHarness();
    const path = String(h.env.DATABASE_URL).slice('sqlite:'.length);
    await h.driver.command(ADMIN);
    await waitFor(() => h?.slack.callsTo('views.open').length === 1, 5000, 'the form');
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    const ack = await h.driver.submit(ADMIN, { name: 'Jane Doe', code: 'E-1042', phone: '+15005550006' });
    expect(JSON.stringify(ack.body)).toContain('Nothing sent: could not record the reset');
    expect(h.twilio.createRequests).toHaveLength(0);
    expect(h.logs.entries()).toContainEqual(
      expect.objectContaining({ level: 50, msg: expect.stringContaining('the database file is gone') }),
    );
  });
});
