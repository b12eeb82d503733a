#!/usr/bin/env node
// `resetpw` on the PATH (package.json "bin"): loads .env like the bot does, then runs the CLI.
import 'dotenv/config';
import { runCli } from './run.js';

process.exitCode = await runCli(
  process.argv.slice(2),
  process.env,
  (s) => process.stdout.write(`${s}\n`),
  (s) => process.stderr.write(`${s}\n`),
);
