import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../fakes/fake-slack.js';
import { FakeTwilio } from '../fakes/fake-twilio.js';
import { slackHeaders } from '../fakes/slack-signing.js';
import { ADMIN_GROUP, SIGNING_SECRET, testEnv, waitFor } from '../helpers/harness.js';

const root = join(import.meta.dirname, '..', '..');
const TSX = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
const ENTRY = join(root, 'src/index.ts');

/** The real composition root as a process, run from an empty folder so no developer .env leaks in. */
function run(env: Record<string, string | undefined>, cwd = mkdtempSync(join(tmpdir(), 'resetpw-entry-'))) {
  const child = spawn(process.execPath, ['--import', TSX, ENTRY], {
    cwd,
    env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d) => {
    out.stdout += String(d);
  });
  child.stderr?.on('data', (d) => {
    out.stderr += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out, exited };
}

describe('src/index.ts', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  async function fakes() {
    const slack = await new FakeSlack().start();
    const twilio = await new FakeTwilio().start();
    slack.setGroup(ADMIN_GROUP, []);
    cleanup.push(
      () => slack.stop(),
      () => twilio.stop(),
    );
    return { slack, twilio };
  }

  it('exits 1 with one message naming every bad variable', async () => {
    const { out, exited } = run({ SLACK_MODE: 'http', PORT: 'x', TWILIO_AUTH_TOKEN: 'tok-secret' });
    expect(await exited).toBe(1);
    expect(out.stdout).toBe('');
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'PORT',
      'SLACK_ADMIN_GROUP_ID',
      'TWILIO_ACCOUNT_SID',
    ]) {
      expect(out.stderr).toContain(name);
    }
    expect(out.stderr.match(/Invalid configuration/g)).toHaveLength(1);
    expect(out.stderr).not.toContain('tok-secret');
  });

  it('refuses an unedited copy of .env.example by name, creating nothing', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'resetpw-entry-'));
    copyFileSync(join(root, '.env.example'), join(cwd, '.env')); // `cp .env.example .env`, then straight to start
    const { out, exited } = run({}, cwd);
    expect(await exited).toBe(1);
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_ADMIN_GROUP_ID', 'TWILIO_ACCOUNT_SID']) {
      expect(out.stderr).toContain(`${name} still holds the example value from .env.example: put your own in .env`);
    }
    expect(readdirSync(cwd)).toEqual(['.env']); // no data/ folder, no database
  });

  it('exits 1 with a clear message when Slack rejects the bot token', async () => {
    const { slack, twilio } = await fakes();
    slack.failNext('auth.test', { error: 'invalid_auth' });
    const { out, exited } = run(testEnv(slack, twilio, 'http'));
    expect(await exited).toBe(1);
    expect(out.stderr).toContain('Slack rejected SLACK_BOT_TOKEN at auth.test (invalid_auth)');
  });

  it('logs JSON when not on a TTY and stops cleanly on SIGTERM', async () => {
    const { slack, twilio } = await fakes();
    const proc: { child: ChildProcess; out: { stdout: string }; exited: Promise<number | null> } = run({
      ...testEnv(slack, twilio, 'http'),
      LOG_LEVEL: 'info',
    });
    cleanup.push(() => {
      proc.child.kill('SIGKILL');
    });
    await waitFor(() => proc.out.stdout.includes('resetpw is running'), 15_000, 'start-up');
    const lines = proc.out.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'password policy', passwordProfile: 'strong', entropyBits: 89.6 });
    const started = lines.find((l) => l.msg === 'resetpw is running') ?? {};
    expect(started).toMatchObject({ level: 30, mode: 'http' });
    const res = await fetch(`http://127.0.0.1:${started.port}/healthz`);
    expect(res.status).toBe(200);
    // A signed payload=null once stopped the process (issue 8): now a 400, and it keeps serving.
    const hostile = await fetch(`http://127.0.0.1:${started.port}/slack/events`, {
      method: 'POST',
      headers: slackHeaders(SIGNING_SECRET, 'payload=null'),
      body: 'payload=null',
    });
    expect(hostile.status).toBe(400);
    expect((await fetch(`http://127.0.0.1:${started.port}/healthz`)).status).toBe(200);
    expect(proc.child.exitCode).toBeNull();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(proc.out.stdout).toContain('resetpw stopped');
  });
});
