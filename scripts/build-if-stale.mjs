#!/usr/bin/env node
// `npm start` runs this first, and `resetpw` (bin/resetpw.mjs) calls it before loading the CLI. It compiles src/ to
// dist/ only when dist/ is missing or older than a source file, so a current build starts at once, and a production
// install (built, then pruned of TypeScript) runs as built.
// Plain Node, no dependencies: it must work where only production dependencies are installed.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(import.meta.dirname, '..');
const built = join(root, 'dist', 'index.js');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds when needed; false (after saying why on stderr) when there is no build and none can be made.
 * `buildOutput`: where the compiler's own output goes ('stderr' keeps a command's stdout clean for --json).
 */
export function buildIfStale({ buildOutput = 'inherit' } = {}) {
  const sources = join(root, 'src');
  const stale =
    !existsSync(built) ||
    (existsSync(sources) &&
      Math.max(newestSource(sources), statSync(join(root, 'tsconfig.build.json')).mtimeMs) > statSync(built).mtimeMs);
  if (!stale) return true;

  if (!existsSync(join(root, 'node_modules', 'typescript'))) {
    if (existsSync(built)) {
      console.error(
        'resetpw: dist/ is older than src/, but TypeScript is not installed here, so the existing build in dist/ starts as it is (run `npm ci && npm run build` to rebuild).',
      );
      return true;
    }
    console.error('resetpw: dist/ is missing and TypeScript is not installed: run `npm ci && npm run build` first.');
    return false;
  }
  const stdio = buildOutput === 'stderr' ? ['ignore', 2, 2] : 'inherit';
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '-s', 'build'], { cwd: root, stdio });
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exit(buildIfStale() ? 0 : 1);
