import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { freePort } from '../fakes/http-util.js';
import { freshDatabaseUrl, postgresAvailable } from '../helpers/databases.js';
import { ADMIN, type Harness, OFFLINE_ENV, startHarness, startOutcome, waitFor } from '../helpers/harness.js';

/** Issue 8, defect 6 on PostgreSQL: connections the server drops are logged, not fatal, and resets go on. */
describe('PostgreSQL connections that go away', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
  });

  it.skipIf(!postgresAvailable())('logs the lost connections, stays up, and resets on fresh ones', async () => {
    const url = await freshDatabaseUrl('postgres');
    h = await startHarness({ env: { DATABASE_URL: url } });
    const database = new URL(url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // What a server restart or a failover does to the bot's idle connections.
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [database],
      );
    } finally {
      await admin.end();
    }
    await waitFor(() => h?.logs.text.includes('lost a PostgreSQL connection') ?? false, 5000, 'the log line');
    await h.driver.command(ADMIN);
    await waitFor(() => h?.slack.callsTo('views.open').length === 1, 5000, 'the form');
    await h.driver.submit(ADMIN, { name: 'Jane Doe', code: 'E-1042', phone: '+15005550006' });
    await waitFor(() => h?.slack.responses.length === 1, 10_000, 'the outcome');
    expect(String(h.slack.responses[0]?.body.text)).toContain('Temporary password sent');
  });
});

/** Issue 17, item 9: a PostgreSQL server that does not answer is said as such, not as an invalid configuration. */
describe('PostgreSQL that cannot be reached', () => {
  it('says so at start-up and in resetpw audit, naming the server, not the configuration', async () => {
    const port = await freePort(); // nothing listens there
    const url = `postgres://resetpw:secret-pw@127.0.0.1:${port}/resetpw`;
    const started = await startOutcome({ ...OFFLINE_ENV, SLACK_API_URL: 'http://127.0.0.1:9/api', DATABASE_URL: url });
    expect(started).toContain(`could not prepare the database at postgres://127.0.0.1:${port}/resetpw`);
    expect(started).toContain('Is the PostgreSQL server running and reachable from here');
    expect(started).not.toContain('secret-pw');
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ['audit'],
      { DATABASE_URL: url },
      (s) => out.push(s),
      (s) => err.push(s),
    );
    expect(code).toBe(1);
    expect(err.join('')).toBe(`resetpw audit: postgres://127.0.0.1:${port}/resetpw cannot be read (ECONNREFUSED)`);
  });
});
