import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '../../scripts/build-if-stale.mjs');

/** `npm start`'s prestart in a production install (no TypeScript): what it says, in plain words. */
describe('scripts/build-if-stale.mjs without TypeScript', () => {
  const install = (withDist: boolean) => {
    const root = mkdtempSync(join(tmpdir(), 'resetpw-prod-'));
    for (const dir of ['scripts', 'src', 'dist']) mkdirSync(join(root, dir));
    copyFileSync(SCRIPT, join(root, 'scripts', 'build-if-stale.mjs'));
    writeFileSync(join(root, 'tsconfig.build.json'), '{}');
    if (withDist) {
      writeFileSync(join(root, 'dist', 'index.js'), '');
      const old = new Date(Date.now() - 60_000);
      utimesSync(join(root, 'dist', 'index.js'), old, old);
      utimesSync(join(root, 'tsconfig.build.json'), old, old);
    }
    writeFileSync(join(root, 'src', 'index.ts'), ''); // newer than the build
    return spawnSync(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs')], { encoding: 'utf8' });
  };

  it('starts the existing build when src/ is newer, and says so in a sentence', () => {
    const run = install(true);
    expect(run.status).toBe(0);
    expect(run.stderr.trim()).toBe(
      'resetpw: dist/ is older than src/, but TypeScript is not installed here, so the existing build in dist/ starts as it is (run `npm ci && npm run build` to rebuild).',
    );
  });

  it('stops with what to run when there is no build at all', () => {
    const run = install(false);
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(
      'resetpw: dist/ is missing and TypeScript is not installed: run `npm ci && npm run build` first.',
    );
  });
});

/**
 * Issue 17, item 8: `npx resetpw policy` on a fresh clone. npm links the bin once, the first time npx runs it in a
 * folder, and keeps that link: the bin must be a committed file (bin/resetpw.mjs) that builds when needed.
 */
describe('bin/resetpw.mjs', () => {
  const BIN = resolve(import.meta.dirname, '../../bin/resetpw.mjs');
  const checkout = (dist: string | undefined) => {
    const root = mkdtempSync(join(tmpdir(), 'resetpw-bin-'));
    for (const dir of ['scripts', 'src', 'bin', 'dist/cli']) mkdirSync(join(root, dir), { recursive: true });
    copyFileSync(SCRIPT, join(root, 'scripts', 'build-if-stale.mjs'));
    copyFileSync(BIN, join(root, 'bin', 'resetpw.mjs'));
    writeFileSync(join(root, 'package.json'), '{"type":"module"}');
    writeFileSync(join(root, 'tsconfig.build.json'), '{}');
    const old = new Date(Date.now() - 60_000);
    writeFileSync(join(root, 'src', 'index.ts'), '');
    utimesSync(join(root, 'src', 'index.ts'), old, old);
    utimesSync(join(root, 'tsconfig.build.json'), old, old);
    if (dist !== undefined) {
      writeFileSync(join(root, 'dist', 'index.js'), '');
      writeFileSync(join(root, 'dist', 'cli', 'bin.js'), dist);
    }
    return (...args: string[]) =>
      spawnSync(process.execPath, [join(root, 'bin', 'resetpw.mjs'), ...args], { encoding: 'utf8' });
  };

  it('runs the compiled CLI with the arguments given, its stdout untouched', () => {
    const run = checkout('process.stdout.write(JSON.stringify(process.argv.slice(2)));')('policy', '--json');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(['policy', '--json']);
    expect(run.stderr).toBe('');
  });

  it('says what to run when there is no build and nothing to build it with', () => {
    const run = checkout(undefined)('policy');
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toBe(
      'resetpw: dist/ is missing and TypeScript is not installed: run `npm ci && npm run build` first.',
    );
  });
});
