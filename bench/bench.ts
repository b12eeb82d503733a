/**
 * `npm run bench`: the compiled bot (`node dist/index.js`, its own process) against the fakes with injected
 * network latency, and a bare Bolt app that only acks (bench/bare-app.mjs, its own process), measured in the same
 * run with the same signed requests, alternating one request each so both see the same machine noise.
 * The load generator and the fakes share this process, so every timestamp comes from one clock.
 * Prints medians, p99s and ratios; asserts nothing.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildResetModal, CALLBACK_ID } from '../src/views/reset-modal.js';
import { FakeSlack } from '../test/fakes/fake-slack.js';
import { FakeTwilio } from '../test/fakes/fake-twilio.js';
import { sleep } from '../test/fakes/http-util.js';
import { httpTransport, slashCommandPayload, viewSubmissionPayload } from '../test/fakes/slack-driver.js';
import { ADMIN, ADMIN_GROUP, SIGNING_SECRET, testEnv, waitFor } from '../test/helpers/harness.js';

const N = Number(process.env.BENCH_N ?? 400);
const WARMUP = 40;
const SLACK_LATENCY_MS = 20;
const TWILIO_LATENCY_MS = 50;
const root = join(import.meta.dirname, '..');

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? Number.NaN;
};
const fmt = (ms: number) => `${ms.toFixed(2)} ms`.padStart(9);

/** Starts a server process and resolves with its port, read from the first JSON log line that carries one. */
function startServer(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
    child.stdout?.on('data', (chunk) => {
      buffer += String(chunk);
      for (const line of buffer.split('\n')) {
        const port = line.startsWith('{') ? (JSON.parse(line) as { port?: number }).port : undefined;
        if (port) {
          child.stdout?.removeAllListeners('data').resume(); // keep draining logs
          resolve({ child, port });
          return;
        }
      }
    });
  });
}

function rssMb(pid: number | undefined): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

async function main() {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  const slack = await new FakeSlack().start();
  const twilio = await new FakeTwilio().start();
  slack.setGroup(ADMIN_GROUP, [ADMIN]);
  const env = { ...testEnv(slack, twilio, 'http'), LOG_LEVEL: 'info', TWILIO_TIMEOUT_MS: '10000' };
  // Exactly what `npm start` runs (node flags included), minus npm itself.
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const resetpw = await startServer(pkg.scripts.start.split(/\s+/).slice(1), env);
  const bare = await startServer(['bench/bare-app.mjs'], env);
  const rssAtStart = rssMb(resetpw.child.pid);

  slack.latencyMs = SLACK_LATENCY_MS;
  twilio.latencyMs = TWILIO_LATENCY_MS;
  const targets = {
    resetpw: httpTransport(`http://127.0.0.1:${resetpw.port}`, SIGNING_SECRET),
    bare: httpTransport(`http://127.0.0.1:${bare.port}`, SIGNING_SECRET),
  };
  const samples = {
    resetpw: { cmd: [] as number[], sub: [] as number[] },
    bare: { cmd: [] as number[], sub: [] as number[] },
  };
  const overhead: number[] = [];
  const toCheck: number[] = [];
  const checkToTwilio: number[] = [];
  const view = { ...buildResetModal({ privateMetadata: '', defaultCountry: 'US' }), callback_id: CALLBACK_ID };
  const input = { name: 'Jane Doe', code: 'E-1042', phone: '+15005550006' };

  // Let the bot finish what it started (views.update, the response_url post) before the next measurement.
  const settle = async () => {
    await waitFor(() => slack.pending === 0 && twilio.pending === 0, 5000, 'quiet');
    await sleep(5);
  };

  for (let i = 0; i < N + WARMUP; i++) {
    const keep = i >= WARMUP;
    for (const name of ['resetpw', 'bare'] as const) {
      const opened = slack.callsTo('views.open').length;
      const responseUrl = slack.newResponseUrl();
      const cmd = await targets[name](
        'command',
        slashCommandPayload({ userId: ADMIN, triggerId: slack.issueTrigger(ADMIN), responseUrl }),
      );
      if (name === 'resetpw') await waitFor(() => slack.callsTo('views.open').length === opened + 1, 5000, 'form');
      // Both apps get the same pause before every measured request, so neither is measured "hot".
      await settle();
      const meta = JSON.stringify({ channelId: 'C0HELPDESK', responseUrl, teamId: 'T0RESETPW' });
      const viewId = slack.lastViewFor(ADMIN)?.id ?? 'V0BARE';

      const posted = slack.responses.length;
      const sentBefore = twilio.createRequests.length;
      const started = performance.now();
      const sub = await targets[name]('interactive', viewSubmissionPayload(ADMIN, viewId, view as never, input, meta));
      if (name === 'resetpw') {
        await waitFor(() => slack.responses.length === posted + 1, 5000, 'outcome');
        const arrived = twilio.createRequests[sentBefore]?.arrivedAt ?? Number.NaN;
        // The only injected latency before the send is the fresh admin check: one Slack call.
        const check = slack.callsTo('usergroups.users.list').at(-1)?.arrivedAt ?? Number.NaN;
        if (keep) {
          overhead.push(arrived - started - SLACK_LATENCY_MS);
          toCheck.push(check - started);
          checkToTwilio.push(arrived - check - SLACK_LATENCY_MS);
        }
      }
      if (cmd.status !== 200 || sub.status !== 200) throw new Error(`${name}: HTTP ${cmd.status}/${sub.status}`);
      await settle();
      if (keep) {
        samples[name].cmd.push(cmd.ackMs);
        samples[name].sub.push(sub.ackMs);
      }
    }
  }
  const rssAtEnd = rssMb(resetpw.child.pid);
  const bareRss = rssMb(bare.child.pid);

  const row = (label: string, xs: number[], base?: number[]) => {
    const ratio = base
      ? `   ratio p50 ${(quantile(xs, 0.5) / quantile(base, 0.5)).toFixed(2)}×  p99 ${(quantile(xs, 0.99) / quantile(base, 0.99)).toFixed(2)}×`
      : '';
    console.log(`${label.padEnd(32)} p50 ${fmt(quantile(xs, 0.5))}  p99 ${fmt(quantile(xs, 0.99))}${ratio}`);
  };
  console.log(
    `\nresetpw benchmark: ${N} iterations (+${WARMUP} warm-up), Slack latency ${SLACK_LATENCY_MS} ms, ` +
      `Twilio latency ${TWILIO_LATENCY_MS} ms, node ${process.version}, ${twilio.sent.length} SMS sent\n`,
  );
  row('command ack, bare Bolt', samples.bare.cmd);
  row('command ack, resetpw', samples.resetpw.cmd, samples.bare.cmd);
  row('submission ack, bare Bolt', samples.bare.sub);
  row('submission ack, resetpw', samples.resetpw.sub, samples.bare.sub);
  row('own overhead, submit → Twilio', overhead);
  row('  submit → admin re-check sent', toCheck);
  row('  re-check answered → Twilio', checkToTwilio);
  console.log(
    `${'RSS of the bot process'.padEnd(32)} ${rssAtStart.toFixed(1)} MB at start, ${rssAtEnd.toFixed(1)} MB after the run ` +
      `(bare Bolt app: ${bareRss.toFixed(1)} MB)`,
  );

  resetpw.child.kill('SIGTERM');
  bare.child.kill('SIGTERM');
  await Promise.all([slack.stop(), twilio.stop()]);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
