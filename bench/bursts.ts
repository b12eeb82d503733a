/**
 * Memory after bursts: the compiled bot (`npm start`'s node flags, SQLite store) takes BURSTS bursts of SIZE
 * resets at once, each from its own admin (a command, the form, a submission, the outcome, delivery tracking to
 * `delivered`), behind the local Slack and Twilio (bench/stand-ins.ts, a process of their own). After each burst has
 * settled (every outcome posted, every delivery followed, a short idle) the bot's RSS is read from /proc.
 * Used by `npm run bench`, or alone: `npm run bench:memory`. Prints figures; asserts nothing.
 */
import { sleep } from '../test/fakes/http-util.js';
import { slashCommandPayload, viewSubmissionPayload } from '../test/fakes/slack-driver.js';
import { ADMIN_GROUP } from '../test/helpers/harness.js';
import { heapCommittedMb, npmStartCommand, rssMb, startServer } from './processes.js';
import { slackSender } from './requests.js';
import { StandIns } from './stand-ins.js';

/**
 * Resets in flight at once within a burst. 200 commands in the same instant make the last acks wait seconds on a
 * cold process (one event loop), past Slack's 3 s trigger: the burst is a crowd, not a single instant.
 */
const CONCURRENCY = 25;

/** Runs `fn` over `items` with at most `n` running at once. */
async function inParallel<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: n }, worker));
}

export interface BurstResult {
  readonly startMb: number;
  readonly afterBurstMb: number[];
  /** The V8 heap the bot has committed after each burst (its own /metrics), in MB. */
  readonly heapMb: number[];
  /** Command and submission acks over all bursts, in ms. */
  readonly ackP50: number;
  readonly ackMax: number;
}

export async function runBursts(options: { bursts?: number; size?: number } = {}): Promise<BurstResult> {
  const bursts = options.bursts ?? 5;
  const size = options.size ?? 200;
  const stand = await StandIns.start();
  const admins = Array.from({ length: size }, (_, i) => `U0BURST${String(i).padStart(4, '0')}`);
  await stand.setGroup(ADMIN_GROUP, admins);
  const env = {
    ...stand.env(),
    LOG_LEVEL: 'info',
    TWILIO_TIMEOUT_MS: '10000',
    // Delivery is followed to the end within each burst: the tracker's state is part of what is measured.
    SMS_STATUS_POLL_MS: '200',
    // Every reset is of its own employee code, all to Twilio's one magic number (its own limit is off).
    RATE_LIMIT_PHONE_PER_DAY: '0',
    RATE_LIMIT_ADMIN_PER_HOUR: '1000',
    RATE_LIMIT_WORKSPACE_PER_DAY: '1000000',
  };
  const { flags, entry } = npmStartCommand();
  const { child, port } = await startServer([...flags, entry], env);
  const send = slackSender(`http://127.0.0.1:${port}`);
  try {
    await sleep(1000);
    const startMb = rssMb(child.pid);
    const afterBurstMb: number[] = [];
    const heapMb: number[] = [];
    const acks: number[] = [];
    for (let b = 0; b < bursts; b++) {
      const before = await stand.counts();
      await inParallel(admins, CONCURRENCY, async (admin) => {
        const input = { name: 'Jane Doe', code: `E-${b}-${admin.slice(-4)}`, phone: '+15005550006' };
        const [triggerId, responseUrl] = await Promise.all([stand.trigger(admin), stand.responseUrl()]);
        const cmd = await send.send('command', slashCommandPayload({ userId: admin, triggerId, responseUrl }));
        if (cmd.status !== 200) throw new Error(`command: HTTP ${cmd.status}`);
        await stand.mustWaitFor({ triggersUsed: [triggerId] }, 30_000);
        const stored = await stand.lastView(admin);
        if (!stored) throw new Error(`no form for ${admin}`);
        const sub = await send.send('interactive', viewSubmissionPayload(admin, stored.id, stored.view, input));
        if (sub.status !== 200) throw new Error(`submission: HTTP ${sub.status}`);
        acks.push(cmd.ackMs, sub.ackMs);
      });
      // Every outcome posted and every text sent; then delivery tracking runs out (no request for 2 s).
      await stand.mustWaitFor({ sent: before.sent + size }, 60_000);
      await stand.mustWaitFor({ responses: before.responses + size }, 60_000);
      await stand.quiet(2000);
      afterBurstMb.push(rssMb(child.pid));
      heapMb.push(await heapCommittedMb(port));
    }
    const sorted = acks.sort((a, b) => a - b);
    return {
      startMb,
      afterBurstMb,
      heapMb,
      ackP50: sorted[Math.floor(sorted.length / 2)] ?? 0,
      ackMax: sorted.at(-1) ?? 0,
    };
  } finally {
    send.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await stand.stop();
  }
}

export function printBursts(r: BurstResult, size = 200): void {
  const bursts = r.afterBurstMb.map((mb, i) => `${i + 1}: ${mb.toFixed(1)}`).join(', ');
  console.log(
    `${'RSS, SQLite, bursts of '.concat(String(size), ' resets')}`.padEnd(48),
    `${r.startMb.toFixed(1)} MB at start; after burst ${bursts} MB`,
  );
  console.log(
    `${'  V8 heap committed after each burst'.padEnd(48)} ${r.heapMb.map((mb) => mb.toFixed(1)).join(', ')} MB`,
  );
  console.log(`${'  acks during the bursts'.padEnd(48)} p50 ${r.ackP50.toFixed(1)} ms, max ${r.ackMax.toFixed(1)} ms`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const size = Number(process.env.BURST_SIZE ?? 200);
  runBursts({ size, bursts: Number(process.env.BURSTS ?? 5) }).then(
    (r) => {
      printBursts(r, size);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
