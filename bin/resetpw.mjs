#!/usr/bin/env node
// `npx resetpw …` in a clone (package.json "bin"). This file is committed, not built: npm links a package's bin the
// first time npx runs it in a folder and keeps that link, so a bin inside dist/ would stay "not found" for good if
// npx ran before the first build. It builds when dist/ is missing or stale, then runs the compiled CLI.
import { buildIfStale } from '../scripts/build-if-stale.mjs';

if (!buildIfStale({ buildOutput: 'stderr' })) process.exit(1);
await import('../dist/cli/bin.js');
