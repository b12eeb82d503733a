import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createHomeRefresh, VIEWER_DAYS } from '../../src/services/home-refresh.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createHomeViewers } from '../../src/store/home-viewers.js';
import { ENGINES, freshDatabaseUrl, postgresAvailable } from '../helpers/databases.js';

const silent = pino({ level: 'silent' });
const settle = () => new Promise((resolve) => setTimeout(resolve, 60));

/**
 * Two replicas on one database: an admin opens their Home on one, and a change to one of their resets is handled
 * by the other (a delivery report, an expiry): that one republishes the Home too.
 */
describe.each(ENGINES)('the App Home kept up to date across replicas, on %s', (engine) => {
  const unavailable = engine === 'postgres' && !postgresAvailable();
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  it.skipIf(unavailable)('republishes on any replica for an admin who opened the Home, and only them', async () => {
    const url = await freshDatabaseUrl(engine);
    let at = Date.parse('2026-11-30T09:00:00Z');
    const replica = async () => {
      const store = await openStore(url);
      stores.push(store);
      const published: string[] = [];
      const home = createHomeRefresh({
        publish: async (userId) => {
          published.push(userId);
          return 'admin';
        },
        viewers: createHomeViewers(store.db),
        debounceMs: 5,
        now: () => at,
        log: silent,
      });
      return { home, published };
    };
    const a = await replica();
    const b = await replica();
    await a.home.opened('U0ADMIN01', silent);
    await settle();
    expect(a.published).toEqual(['U0ADMIN01']);

    b.home.refresh('U0ADMIN01');
    b.home.refresh('U0NEVER01');
    await settle();
    expect(b.published).toEqual(['U0ADMIN01']);

    // An opening long ago no longer counts on a replica that has not seen it itself.
    at += (VIEWER_DAYS + 1) * 86_400_000;
    const c = await replica();
    c.home.refresh('U0ADMIN01');
    await settle();
    expect(c.published).toEqual([]);
    // Opened again (on b): c follows it again.
    await b.home.opened('U0ADMIN01', silent);
    await settle();
    c.home.refresh('U0ADMIN01');
    await settle();
    expect(c.published).toEqual(['U0ADMIN01']);
    await Promise.all([a.home.stop(), b.home.stop(), c.home.stop()]);
  });
});
