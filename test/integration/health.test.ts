import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { MAGIC_TO } from '../fakes/fake-twilio.js';
import { ADMIN, type Harness, startHarness, waitFor } from '../helpers/harness.js';
import { ldapBotEnv, requireSlapd, startSlapd } from '../helpers/slapd.js';

/** Issue 9: liveness and readiness, in both modes. */
describe('health and readiness', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });
  const get = async (base: string, path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: (await res.json()) as { status: string; checks?: Record<string, string> } };
  };

  it('http mode: both on PORT; readiness fails when the store is gone', async () => {
    h = await startHarness({ env: { HOST: '127.0.0.1' } });
    const base = h.appUrl ?? '';
    expect(await get(base, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get(base, '/readyz')).toEqual({
      status: 200,
      body: { status: 'ready', ready: true, checks: { store: 'ok' } },
    });
    const path = String(h.env.DATABASE_URL).slice('sqlite:'.length);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    const after = await get(base, '/readyz');
    expect(after.status).toBe(503);
    expect(after.body.checks?.store).toMatch(/^fail: the database file .* was deleted or replaced/);
    expect((await get(base, '/healthz')).status).toBe(200);
  });

  it('socket mode: on HEALTH_PORT, with the Slack connection; readiness fails while shutting down', async () => {
    h = await startHarness({ mode: 'socket', env: { HEALTH_PORT: '0', HOST: '127.0.0.1', TWILIO_TIMEOUT_MS: '5000' } });
    const base = `http://127.0.0.1:${h.bot.healthPort}`;
    expect(await get(base, '/readyz')).toEqual({
      status: 200,
      body: { status: 'ready', ready: true, checks: { store: 'ok', slack: 'ok' } },
    });
    // A reset in flight keeps the bot draining for a while after stop() begins.
    h.twilio.slowMs = 1500;
    await h.driver.command(ADMIN);
    await waitFor(() => h?.slack.callsTo('views.open').length === 1, 5000, 'the form');
    await h.driver.submit(ADMIN, { name: 'Jane Doe', code: 'E-1042', phone: MAGIC_TO.slow });
    await waitFor(() => h?.twilio.createRequests.length === 1, 5000, 'the send');
    const stopping = h.bot.stop({ drainMs: 5000 });
    await new Promise((r) => setTimeout(r, 100));
    expect(await get(base, '/readyz')).toEqual({
      status: 503,
      body: { status: 'not ready', ready: false, checks: { shutdown: 'in progress' } },
    });
    await stopping;
  });

  it.runIf(requireSlapd())('readiness includes the directory bind', async () => {
    const slapd = await startSlapd();
    try {
      h = await startHarness({ env: ldapBotEnv(slapd) });
      await slapd.stop();
      const ready = await get(h.appUrl ?? '', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks).toMatchObject({
        store: 'ok',
        directory: expect.stringMatching(/^fail: LDAP_URL: cannot connect/),
      });
    } finally {
      await slapd.stop();
    }
  });
});
