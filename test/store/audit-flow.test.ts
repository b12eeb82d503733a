import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import type { AuditRecord } from '../../src/ports/index.js';
import { MAGIC_TO } from '../fakes/fake-twilio.js';
import { ENGINES, freshDatabaseUrl, postgresAvailable } from '../helpers/databases.js';
import { ADMIN, type Harness, NON_ADMIN, startHarness, waitFor } from '../helpers/harness.js';

const JANE = { name: 'Jane Doe', code: 'E-1042', phone: '+15005550006', reason: 'INC-7' };

async function cli(argv: string[], databaseUrl: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    { DATABASE_URL: databaseUrl },
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Every /resetpw outcome leaves one row, readable with `resetpw audit`, on each engine. */
describe.each(ENGINES)('audit trail end to end on %s', (engine) => {
  const skip = engine === 'postgres' && !postgresAvailable();
  let h: Harness;
  let databaseUrl: string;

  beforeAll(async () => {
    if (skip) return;
    databaseUrl = await freshDatabaseUrl(engine);
    h = await startHarness({ env: { DATABASE_URL: databaseUrl } });
    let posts = 0;
    const outcome = async () => {
      posts++;
      await waitFor(
        () => h.slack.responses.length === posts,
        8000,
        `outcome ${posts} (have ${h.slack.responses.length})`,
      );
    };
    let forms = 0;
    const openForm = async () => {
      forms++;
      await h.driver.command(ADMIN);
      await waitFor(() => h.slack.callsTo('views.open').length === forms, 5000, 'form');
    };
    await h.driver.command(NON_ADMIN);
    await outcome(); // refused at the command
    await openForm();
    await h.driver.submit(ADMIN, { ...JANE, phone: 'not a number' }); // invalid: no private message
    await h.driver.submit(ADMIN, JANE);
    await outcome(); // sent
    await openForm();
    await h.driver.submit(ADMIN, { ...JANE, code: 'E-2', phone: MAGIC_TO.optedOut });
    await outcome(); // failed
    await openForm();
    await h.driver.submit(ADMIN, { ...JANE, code: 'E-3', phone: MAGIC_TO.slow });
    await outcome(); // unknown (timeout)
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
  });

  it.skipIf(skip)('has one row per outcome, newest first, with the full number and no password', async () => {
    const { code, out } = await cli(['audit', '--json'], databaseUrl);
    expect(code).toBe(0);
    const rows = JSON.parse(out) as AuditRecord[];
    expect(rows.map((r) => r.result)).toEqual(['unknown', 'failed', 'sent', 'invalid', 'refused']);
    const [unknown, failed, sent, invalid, refused] = rows;
    expect(refused).toMatchObject({ adminUserId: NON_ADMIN, errorCode: 'NOT_ADMIN', teamId: 'T0RESETPW' });
    expect(refused?.employee).toBeUndefined();
    expect(invalid).toMatchObject({ adminUserId: ADMIN, employee: { name: 'Jane Doe', code: 'E-1042' } });
    expect(invalid?.errorCode).toContain('employee_phone');
    expect(sent).toMatchObject({
      employee: { name: 'Jane Doe', code: 'E-1042', phoneE164: '+15005550006' },
      reason: 'INC-7',
      messageSid: h.twilio.sent[0]?.sid,
    });
    expect(failed).toMatchObject({ errorCode: 'SMS_OPTED_OUT', twilioErrorCode: 21610 });
    expect(unknown).toMatchObject({ errorCode: 'SMS_OUTCOME_UNKNOWN', employee: { code: 'E-3' } });
    for (const r of rows) expect(r.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const password = /password is:\n(\S+)\n/.exec(h.twilio.sent[0]?.body ?? '')?.[1] ?? '';
    expect(password).not.toBe('');
    expect(out).not.toContain(password);
  });

  it.skipIf(skip)('filters by employee, time and count, and prints a table', async () => {
    const byCode = JSON.parse((await cli(['audit', '--json', '--employee', 'E-2'], databaseUrl)).out) as AuditRecord[];
    expect(byCode.map((r) => r.result)).toEqual(['failed']);
    const future = JSON.parse((await cli(['audit', '--json', '--since', '2099-01-01T00:00:00Z'], databaseUrl)).out);
    expect(future).toEqual([]);
    const two = JSON.parse((await cli(['audit', '--json', '--limit', '2'], databaseUrl)).out) as AuditRecord[];
    expect(two.map((r) => r.result)).toEqual(['unknown', 'failed']);
    const table = (await cli(['audit'], databaseUrl)).out.split('\n');
    expect(table[0]).toMatch(
      /^time \(UTC\)\s+result\s+admin\s+employee\s+code\s+phone\s+directory\s+employee DM\s+message \/ error$/,
    );
    expect(table).toHaveLength(2 + 5);
    expect(table[4]).toContain('+15005550006');
    expect(table[3]).toContain('twilio 21610');
  });

  it.skipIf(skip)('explains bad arguments and a missing database', async () => {
    expect((await cli(['audit', '--since', 'yesterday'], databaseUrl)).err).toContain(
      '--since must be an ISO 8601 time',
    );
    expect((await cli(['audit', '--limit', '0'], databaseUrl)).code).toBe(1);
    const missing = await cli(['audit'], 'sqlite:/nonexistent/dir/resetpw.sqlite');
    expect(missing).toMatchObject({ code: 1, err: expect.stringContaining('does not exist') });
  });
});
