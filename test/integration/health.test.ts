import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
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
  /** `resetpw ready`, the container's HEALTHCHECK, with only the variables it reads. */
  const ready = async (env: Record<string, string>) => {
    const lines: string[] = [];
    const code = await runCli(
      ['ready'],
      env,
      (s) => lines.push(s),
      (s) => lines.push(s),
    );
    return { code, line: lines.join('\n') };
  };

  it('http mode: both on PORT; readiness fails when the store is gone', async () => {
    h = await startHarness({ env: { HOST: '127.0.0.1' } });
    const base = h.appUrl ?? '';
    expect(await get(base, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get(base, '/readyz')).toEqual({
      status: 200,
      body: { status: 'ready', ready: true, checks: { store: 'ok' } },
    });
    const probeEnv = { SLACK_MODE: 'http', PORT: String(h.bot.port), HOST: '0.0.0.0' };
    expect(await ready(probeEnv)).toEqual({
      code: 0,
      line: `http://127.0.0.1:${h.bot.port}/readyz: HTTP 200 {"status":"ready","ready":true,"checks":{"store":"ok"}}`,
    });
    const path = String(h.env.DATABASE_URL).slice('sqlite:'.length);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    const after = await get(base, '/readyz');
    expect(after.status).toBe(503);
    expect(after.body.checks?.store).toMatch(/^fail: the database file .* was deleted or replaced/);
    expect((await get(base, '/healthz')).status).toBe(200);
    const probe = await ready(probeEnv);
    expect(probe.code).toBe(1);
    expect(probe.line).toMatch(/\/readyz: HTTP 503 .*"store":"fail: the database file/);
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
    const probeEnv = { HEALTH_PORT: String(h.bot.healthPort), HOST: '127.0.0.1' };
    expect((await ready(probeEnv)).code).toBe(0);
    expect(await ready({})).toEqual({
      code: 1,
      line: 'HEALTH_PORT is not set: in Socket Mode, readiness is served only on it',
    });
    const stopping = h.bot.stop({ drainMs: 5000 });
    await new Promise((r) => setTimeout(r, 100));
    expect(await get(base, '/readyz')).toEqual({
      status: 503,
      body: { status: 'not ready', ready: false, checks: { shutdown: 'in progress' } },
    });
    expect((await ready(probeEnv)).code).toBe(1);
    await stopping;
    expect(await ready(probeEnv)).toMatchObject({
      code: 1,
      line: expect.stringMatching(/: no answer \(\w+\)$/),
    });
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
