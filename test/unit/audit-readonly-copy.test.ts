import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore } from '../../src/store/database.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** `nobody`: the investigator's own account, which may not write where the evidence copy lies. */
const UNPRIVILEGED = 65534;

/**
 * Issue 17, item 1: `resetpw audit` on what investigators have, a read-only copy of a WAL-mode database in a
 * read-only folder, read by an unprivileged user. The CLI runs in a child process that loads its modules and then
 * (when the tests run as root, as CI does) drops to `nobody`, since root may write anywhere and would hide the bug.
 * Everything is loaded before the drop: the checkout may sit in a folder `nobody` cannot read (a fresh clone in a
 * private temp folder, as CI makes).
 */
describe('resetpw audit on a read-only copy', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) spawnSync('rm', ['-rf', d]);
  });

  /** The CLI as an unprivileged user: exit code, standard output and error. */
  const auditAsNobody = (databaseUrl: string) => {
    const script = [
      "const { runCli } = await import('./src/cli/run.ts');",
      // better-sqlite3 loads its native addon at the first open: load it now, while the checkout can be read.
      "const { default: Database } = await import('better-sqlite3'); new Database(':memory:').close();",
      `if (process.getuid() === 0) { process.setgid(${UNPRIVILEGED}); process.setuid(${UNPRIVILEGED}); }`,
      'const out = []; const err = [];',
      "const code = await runCli(['audit', '--json'], process.env, (s) => out.push(s), (s) => err.push(s));",
      'process.stdout.write(JSON.stringify({ code, out: out.join(""), err: err.join("") }));',
    ].join('\n');
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, NODE_OPTIONS: '' },
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`child failed (${child.status}): ${child.stderr}`);
    return JSON.parse(child.stdout) as { code: number; out: string; err: string };
  };

  it.each([
    ['the database file alone', ['']],
    ['the file and its -wal, holding rows not yet checkpointed', ['', '-wal']],
    ['the file, its -wal and -shm', ['', '-wal', '-shm']],
  ])('reads %s, and writes nothing there', async (_label, suffixes) => {
    const live = mkdtempSync(join(tmpdir(), 'resetpw-live-'));
    dirs.push(live);
    const store = await openStore(`sqlite:${join(live, 'resetpw.sqlite')}`);
    const audit = createAuditStore(store.db);
    await audit.record({ requestId: 'r-1', adminUserId: 'U0ADMIN01' }, { result: 'refused', errorCode: 'NOT_ADMIN' });
    await audit.record({ requestId: 'r-2', adminUserId: 'U0ADMIN02' }, { result: 'invalid', errorCode: 'X' });
    // A copy with its -wal is taken while the bot runs (the rows are still in the -wal only); the file alone, after
    // it stopped (everything checkpointed into it, the header still saying WAL).
    const whileRunning = suffixes.includes('-wal');
    if (!whileRunning) await store.close();
    const evidence = mkdtempSync(join(tmpdir(), 'resetpw-evidence-'));
    dirs.push(evidence);
    const copy = join(evidence, 'copy');
    mkdirSync(copy);
    for (const suffix of suffixes)
      copyFileSync(join(live, `resetpw.sqlite${suffix}`), join(copy, `resetpw.sqlite${suffix}`));
    if (whileRunning) await store.close();
    const before = Object.fromEntries(readdirSync(copy).map((f) => [f, readFileSync(join(copy, f)).toString('hex')]));
    for (const f of readdirSync(copy)) chmodSync(join(copy, f), 0o444);
    chmodSync(copy, 0o555);
    chmodSync(evidence, 0o755);

    const result = auditAsNobody(`sqlite:${join(copy, 'resetpw.sqlite')}`);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.out) as { requestId: string }[];
    expect(rows.map((r) => r.requestId)).toEqual(['r-2', 'r-1']);
    const after = Object.fromEntries(readdirSync(copy).map((f) => [f, readFileSync(join(copy, f)).toString('hex')]));
    expect(after).toEqual(before);
  });

  it('says what is wrong with the path as the audit command, not as an invalid configuration', async () => {
    const result = auditAsNobody('sqlite:/nonexistent/resetpw.sqlite');
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      'resetpw audit: /nonexistent/resetpw.sqlite does not exist (has the bot run here yet? DATABASE_URL)',
    );
  });
});
