#!/usr/bin/env node
// `npm start` runs this first. It compiles src/ to dist/ only when dist/ is missing or older than a source file,
// so a current build starts at once, and a production install (built, then pruned of TypeScript) runs as built.
// Plain Node, no dependencies: it must work where only production dependencies are installed.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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

const sources = join(root, 'src');
const stale =
  !existsSync(built) ||
  (existsSync(sources) &&
    Math.max(newestSource(sources), statSync(join(root, 'tsconfig.build.json')).mtimeMs) > statSync(built).mtimeMs);
if (!stale) process.exit(0);

if (!existsSync(join(root, 'node_modules', 'typescript'))) {
  if (existsSync(built)) {
    console.error(
      'resetpw: dist/ is older than src/, but TypeScript is not installed here, so the existing build in dist/ starts as it is (run `npm ci && npm run build` to rebuild).',
    );
    process.exit(0);
  }
  console.error('resetpw: dist/ is missing and TypeScript is not installed: run `npm ci && npm run build` first.');
  process.exit(1);
}
execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
