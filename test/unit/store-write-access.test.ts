import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mayWrite } from '../../src/store/write-access.js';

const ROOT = resolve(import.meta.dirname, '../..');
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

const stat = (uid: number, gid: number, mode: number, dir = true) => ({ uid, gid, mode, isDirectory: () => dir });

describe('mayWrite: the kernel’s rule for owner, group and others', () => {
  const node = { uid: 1000, gids: [1000] };
  it.each([
    ['a root-owned folder, 755 (the bind mount Docker creates)', stat(0, 0, 0o40755), false],
    ['a folder of the bot’s own, 700', stat(1000, 1000, 0o40700), true],
    ['a folder of its own without x, 600', stat(1000, 1000, 0o40600), false],
    ['a folder of its group, 770', stat(0, 1000, 0o40770), true],
    ['a folder of its group, 750', stat(0, 1000, 0o40750), false],
    ['a folder anyone may write, 1777 (/tmp)', stat(0, 0, 0o41777), true],
    ['the owner bits decide for the owner, whatever others may do (707)', stat(1000, 1000, 0o40077), false],
    ['a file of root, 644', stat(0, 0, 0o100644, false), false],
    ['a file of its own, 600', stat(1000, 1000, 0o100600, false), true],
  ])('%s', (_label, st, expected) => {
    expect(mayWrite(st, node)).toBe(expected);
  });

  it('root may write anything', () => {
    expect(mayWrite(stat(1000, 1000, 0o40500), { uid: 0, gids: [0] })).toBe(true);
  });
});

/**
 * Issue 17, item 2: a bind-mounted data folder owned by root, opened by the image's unprivileged user. The store is
 * opened in a child process that loads its modules first and then (as root, as CI runs) drops to `nobody`; run as
 * another user, the folder is one of its own made read-only, which is the same refusal.
 */
describe('opening the store in a folder the bot may not write', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) spawnSync('rm', ['-rf', d]);
  });

  const openAs = (databaseUrl: string) => {
    const script = [
      "const { openStore } = await import('./src/store/database.ts');",
      "const { default: Database } = await import('better-sqlite3'); new Database(':memory:').close();",
      `if (process.getuid() === 0) { process.setgroups([]); process.setgid(${NOBODY}); process.setuid(${NOBODY}); }`,
      'try { await openStore(process.env.DATABASE_URL); process.stdout.write("opened"); }',
      'catch (e) { process.stdout.write(e.message); }',
    ].join('\n');
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, NODE_OPTIONS: '' },
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`child failed (${child.status}): ${child.stderr}`);
    return child.stdout;
  };

  const folder = () => {
    const parent = mkdtempSync(join(tmpdir(), 'resetpw-mount-'));
    dirs.push(parent);
    chmodSync(parent, 0o755);
    const data = join(parent, 'data');
    mkdirSync(data, { mode: 0o755 });
    if (!asRoot) chmodSync(data, 0o555);
    return data;
  };
  const who = asRoot ? `uid ${NOBODY} (nobody)` : `uid ${process.getuid?.()}`;
  const owner = asRoot ? 'uid 0 (root)' : `uid ${process.getuid?.()}`;
  const chown = asRoot ? `chown -R ${NOBODY}:${NOBODY}` : `chown -R ${process.getuid?.()}:${process.getgid?.()}`;

  it('says who the bot runs as, who owns the folder, and what to chown', () => {
    const data = folder();
    const message = openAs(`sqlite:${join(data, 'resetpw.sqlite')}`);
    expect(message).toContain(`could not open the database at ${join(data, 'resetpw.sqlite')} (SQLITE_CANTOPEN)`);
    expect(message).toContain(`The bot runs as ${who} and cannot write the folder ${data}, which belongs to ${owner}`);
    expect(message).toContain(`(${chown} ${data})`);
    expect(message).toContain(
      'in a container, chown the host folder mounted there the same way, or use a named volume',
    );
  });

  // Only root can leave a file owned by someone else; CI runs as root.
  it.runIf(asRoot)('names the file when the folder is writable but a database left by root is not', () => {
    const data = folder();
    chmodSync(data, 0o777);
    const file = join(data, 'resetpw.sqlite');
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    const message = openAs(`sqlite:${file}`);
    expect(message).toContain(
      `The bot runs as ${who} and cannot write ${file}, which belongs to uid 0 (root) (mode 644)`,
    );
  });
});
