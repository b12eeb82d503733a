/**
 * Acks under bursts and floods (issue 18): the compiled bot as `npm start` runs it (LOG_LEVEL=info, SQLite) and a
 * bare Bolt app that only acks, each in a fresh process every round, behind the same local Slack and Twilio (in a
 * process of their own, 20 ms latency), given the same requests one after the other in the same run:
 * - bursts of 200 admin commands at once: on the fresh process; right after 320 commands (16 at a time, sent as
 *   the acks come back); 10 s after 320 more; right after 320 commands from a non-admin (each one refused);
 * - a refusal flood: 1,000 commands from a non-admin over 10 s while two admins reset passwords (command, form,
 *   submission, outcome, again), against the same two admins for 10 s without it; the bot's memory before and after.
 * Beside each figure, the event-loop delay the app itself reports on /metrics over the same span. Used by
 * `npm run bench`, or alone: `npm run bench:floods` (BENCH_ROUNDS, default 3). Prints figures; asserts nothing.
 */
import { execFileSync } from 'node:child_process';
import { buildResetModal, CALLBACK_ID } from '../src/views/reset-modal.js';
import { sleep } from '../test/fakes/http-util.js';
import { slashCommandPayload, viewSubmissionPayload } from '../test/fakes/slack-driver.js';
import { ADMIN_GROUP, NON_ADMIN } from '../test/helpers/harness.js';
import {
  heapUsedMb,
  type LoopDelay,
  loopDelay,
  npmStartCommand,
  root,
  rssMb,
  startServer as startProcess,
} from './processes.js';
import { median, ms, quantile, type SlackSender, slackSender } from './requests.js';
import { StandIns } from './stand-ins.js';

const BURST = 200;
const BEFORE = 320;
const BEFORE_AT_ONCE = 16;
const FLOOD = 1000;
const FLOOD_MS = 10_000;
const LATENCY_MS = 20;
/** How long an admin at work takes to fill in the form (the submission never races the form's record). */
const FILLING_IN_MS = 300;
/** After a scrape the apps' event-loop monitor starts again: its first 10 ms sample only sets the clock. */
const LOOP_RESTART_MS = 30;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const BURST_ADMINS = Array.from({ length: BURST }, (_, i) => `U0BURST${String(i).padStart(4, '0')}`);
const WORKERS = ['U0WORKER1', 'W0WORKER2'];

/**
 * In the order they run, each app in turn. The one that ends with a 10 s pause runs last: an app measured right after
 * the other app's 10 s situation has sat idle 13 s, the other about 3 s, and an app that has sat idle acks its next
 * burst more slowly (seen: about 1.9× against 0.7× on the same code, by which app went first).
 */
export const SITUATIONS = {
  fresh: `${BURST} commands at once on a fresh process`,
  after: `${BURST} at once right after ${BEFORE} commands`,
  afterRefused: `${BURST} at once right after ${BEFORE} refused commands`,
  after10s: `${BURST} at once 10 s after ${BEFORE} commands`,
} as const;
export type Situation = keyof typeof SITUATIONS;
type AppName = 'bot' | 'bare';

interface Server {
  readonly name: AppName;
  readonly port: number;
  readonly pid: number | undefined;
  readonly send: SlackSender;
  stop(): Promise<void>;
}

export interface BurstFigures {
  readonly acks: number[];
  /** The app's event-loop delay from the burst's start to its last ack. */
  readonly loop: LoopDelay;
  /** The bot only: the delay from the last ack until every form was open, and how many opened. */
  readonly loopAfter?: LoopDelay;
  readonly opened?: number;
  readonly openFailed?: number;
}

export type Round = Record<Situation, Record<AppName, BurstFigures>>;

export interface FloodFigures {
  /** The two admins' command and submission acks, without and with the flood. */
  readonly calm: Record<AppName, { acks: number[]; loop: LoopDelay }>;
  readonly flood: Record<AppName, { acks: number[]; loop: LoopDelay; floodAcks: number[] }>;
  /** The bot's RSS and V8 heap in use: before the calm phase, before the flood, after it, and 10 s later. */
  readonly memory: { label: string; rssMb: number; heapMb: number }[];
  readonly refusalsAnswered: number;
}

export interface FloodsResult {
  readonly rounds: Round[];
  readonly flood?: FloodFigures;
}

/** What to stop if the run fails half-way. */
const cleanups: (() => unknown)[] = [];

async function startApp(name: AppName, env: Record<string, string | undefined>): Promise<Server> {
  const { flags, entry } = npmStartCommand();
  // BENCH_BOT_FLAGS: node flags for the bot, to look into it (`--cpu-prof --cpu-prof-dir=…`, `--trace-gc`).
  const profile = process.env.BENCH_BOT_FLAGS?.split(' ').filter(Boolean) ?? [];
  const args = name === 'bot' ? [...profile, ...flags, entry] : ['bench/bare-app.mjs'];
  const { child, port } = await startProcess(args, env, (c) => cleanups.push(() => c.kill('SIGKILL')));
  const send = slackSender(`http://127.0.0.1:${port}`);
  await loopDelay(port); // the first scrape starts the span the next one reports
  return {
    name,
    port,
    pid: child.pid,
    send,
    async stop() {
      send.close();
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function botEnv(s: StandIns): Record<string, string | undefined> {
  return {
    ...s.env('http'), // a new SQLite file each time
    LOG_LEVEL: 'info',
    TWILIO_TIMEOUT_MS: '10000',
    // The admins' resets in the flood are of their own employee codes, to Twilio's one magic number.
    RATE_LIMIT_PHONE_PER_DAY: '0',
    RATE_LIMIT_ADMIN_PER_HOUR: '10000',
    RATE_LIMIT_WORKSPACE_PER_DAY: '1000000',
  };
}

async function commandsFrom(s: StandIns, users: readonly string[]) {
  const [triggers, urls] = await Promise.all([s.triggers([...users]), s.responseUrls(users.length)]);
  return users.map((userId, i) => ({ userId, triggerId: triggers[i] ?? '', responseUrl: urls[i] ?? '' }));
}

/** `users`' commands, `atOnce` at a time, each sent as soon as an ack frees its place. */
async function commandsInTurn(s: StandIns, app: Server, users: readonly string[], atOnce: number): Promise<void> {
  const prepared = (await commandsFrom(s, users)).map((c) => app.send.prepare('command', slashCommandPayload(c)));
  let next = 0;
  const worker = async () => {
    while (next < prepared.length) {
      const answer = await prepared[next++]?.send();
      if (answer?.status !== 200) throw new Error(`${app.name}: HTTP ${answer?.status}`);
    }
  };
  await Promise.all(Array.from({ length: atOnce }, worker));
}

async function burst(s: StandIns, app: Server): Promise<BurstFigures> {
  const commands = await commandsFrom(s, BURST_ADMINS);
  const prepared = commands.map((c) => app.send.prepare('command', slashCommandPayload(c)));
  await loopDelay(app.port);
  await sleep(LOOP_RESTART_MS);
  const answers = await Promise.all(prepared.map((p) => p.send()));
  const loop = await loopDelay(app.port);
  const bad = answers.find((a) => a.status !== 200);
  if (bad) throw new Error(`${app.name}: HTTP ${bad.status}`);
  const acks = answers.map((a) => a.ackMs);
  if (app.name === 'bare') return { acks, loop };
  const triggers = commands.map((c) => c.triggerId);
  await s.waitFor({ triggersUsed: triggers }, 15_000);
  const loopAfter = await loopDelay(app.port);
  const opened = await s.triggersUsed(triggers);
  return { acks, loop, loopAfter, opened, openFailed: BURST - opened };
}

async function situation(s: StandIns, app: Server, which: Situation): Promise<BurstFigures> {
  const cycle = (n: number) => Array.from({ length: n }, (_, i) => BURST_ADMINS[i % BURST] as string);
  if (which === 'after' || which === 'after10s') await commandsInTurn(s, app, cycle(BEFORE), BEFORE_AT_ONCE);
  if (which === 'afterRefused') await commandsInTurn(s, app, Array(BEFORE).fill(NON_ADMIN), BEFORE_AT_ONCE);
  if (which === 'after10s') await sleep(10_000);
  const figures = await burst(s, app);
  await s.quiet(1000);
  return figures;
}

async function round(s: StandIns, index: number): Promise<Round> {
  const env = botEnv(s);
  const apps = { bot: await startApp('bot', env), bare: await startApp('bare', env) };
  try {
    await sleep(1000);
    // Alternate which app goes first, so neither always meets the machine as the other left it.
    const order: AppName[] = index % 2 === 0 ? ['bot', 'bare'] : ['bare', 'bot'];
    const result = {} as Round;
    for (const which of situations()) {
      const figures = {} as Record<AppName, BurstFigures>;
      for (const name of order) figures[name] = await situation(s, apps[name], which);
      result[which] = figures;
    }
    return result;
  } finally {
    await Promise.all([apps.bot.stop(), apps.bare.stop()]);
  }
}

/** BENCH_SITUATIONS=fresh,after…: only those (to profile one); all by default. */
function situations(): Situation[] {
  const all = Object.keys(SITUATIONS) as Situation[];
  const only = process.env.BENCH_SITUATIONS?.split(',');
  return only ? all.filter((s) => only.includes(s)) : all;
}

const bareView = { ...buildResetModal({ privateMetadata: '', defaultCountry: 'US' }), callback_id: CALLBACK_ID };

/**
 * An admin at work until `until` (performance.now()): a command, the form, a submission with a new employee code,
 * the outcome, a short pause, again. The bare app opens no form and sends no outcome: it gets the same requests
 * with pauses as long as the bot's work took.
 */
async function adminAtWork(s: StandIns, app: Server, admin: string, until: number): Promise<number[]> {
  const acks: number[] = [];
  for (let i = 0; performance.now() < until; i++) {
    const [c] = await commandsFrom(s, [admin]);
    if (!c) throw new Error('no command');
    const before = app.name === 'bot' ? (await s.lastView(admin))?.id : undefined;
    const cmd = await app.send.send('command', slashCommandPayload(c));
    let form = { id: `V0BARE${admin}${i}`, view: bareView as Record<string, unknown> };
    if (app.name === 'bot') {
      await s.mustWaitFor({ formFor: admin, ...(before ? { other: before } : {}) });
      form = (await s.lastView(admin)) ?? form;
    } else await sleep(25);
    await sleep(FILLING_IN_MS);
    const input = { name: 'Jane Doe', code: `E-${admin.slice(-1)}-${Date.now()}-${i}`, phone: '+15005550006' };
    const sub = await app.send.send('interactive', viewSubmissionPayload(admin, form.id, form.view, input));
    if (cmd.status !== 200 || sub.status !== 200) throw new Error(`${app.name}: HTTP ${cmd.status}/${sub.status}`);
    if (app.name === 'bot') {
      const id = c.responseUrl.slice(c.responseUrl.lastIndexOf('/') + 1);
      await s.mustWaitFor({ response: id }, 10_000);
    } else await sleep(70);
    acks.push(cmd.ackMs, sub.ackMs);
    await sleep(50);
  }
  return acks;
}

/** FLOOD commands from a non-admin, evenly over FLOOD_MS; resolves with their acks. */
async function refusalFlood(s: StandIns, app: Server): Promise<number[]> {
  const prepared = (await commandsFrom(s, Array(FLOOD).fill(NON_ADMIN))).map((c) =>
    app.send.prepare('command', slashCommandPayload(c)),
  );
  const acks: number[] = [];
  const start = performance.now();
  const sent: Promise<void>[] = [];
  for (const [i, p] of prepared.entries()) {
    const wait = start + (i * FLOOD_MS) / FLOOD - performance.now();
    if (wait > 0) await sleep(wait);
    sent.push(p.send().then((a) => void acks.push(a.ackMs)));
  }
  await Promise.all(sent);
  return acks;
}

async function work(s: StandIns, app: Server, withFlood: boolean) {
  await loopDelay(app.port);
  await sleep(LOOP_RESTART_MS);
  const until = performance.now() + FLOOD_MS;
  const [flooded, ...perAdmin] = await Promise.all([
    withFlood ? refusalFlood(s, app) : Promise.resolve([]),
    ...WORKERS.map((admin) => adminAtWork(s, app, admin, until)),
  ]);
  const loop = await loopDelay(app.port);
  await s.quiet(1000);
  return { acks: perAdmin.flat(), loop, floodAcks: flooded };
}

async function floodRun(s: StandIns): Promise<FloodFigures> {
  const env = botEnv(s);
  const apps = { bot: await startApp('bot', env), bare: await startApp('bare', env) };
  const memory: FloodFigures['memory'] = [];
  const remember = async (label: string) =>
    memory.push({ label, rssMb: rssMb(apps.bot.pid), heapMb: await heapUsedMb(apps.bot.port) });
  try {
    await sleep(1000);
    await remember('at start');
    const calm = { bot: await work(s, apps.bot, false), bare: await work(s, apps.bare, false) };
    await remember('after the admins alone');
    const before = (await s.counts()).responses;
    const flood = { bot: await work(s, apps.bot, true), bare: await work(s, apps.bare, true) };
    // Every refusal is answered through its response_url; the admins' outcomes are counted there too.
    const refusalsAnswered = (await s.counts()).responses - before - flood.bot.acks.length / 2;
    await remember('after the flood');
    await sleep(10_000);
    await remember('10 s later');
    return { calm, flood, memory, refusalsAnswered };
  } finally {
    await Promise.all([apps.bot.stop(), apps.bare.stop()]);
  }
}

export async function runFloods(options: { rounds?: number } = {}): Promise<FloodsResult> {
  const s = await StandIns.start();
  cleanups.push(() => s.kill());
  try {
    await s.setGroup(ADMIN_GROUP, [...BURST_ADMINS, ...WORKERS]);
    await s.latency(LATENCY_MS);
    const rounds: Round[] = [];
    for (let i = 0; i < (options.rounds ?? ROUNDS); i++) rounds.push(await round(s, i));
    // BENCH_FLOOD=0: the bursts only.
    return { rounds, ...(process.env.BENCH_FLOOD === '0' ? {} : { flood: await floodRun(s) }) };
  } catch (err) {
    for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch(() => undefined);
    throw err;
  } finally {
    await s.stop();
  }
}

const loopText = (l: LoopDelay | undefined) => (l ? `${l.p50.toFixed(1)}/${l.p99.toFixed(1)}/${l.max.toFixed(1)}` : '');
const acksText = (xs: number[]) =>
  `${quantile(xs, 0.5).toFixed(1)}/${quantile(xs, 0.99).toFixed(1)}/${Math.max(...xs).toFixed(1)}`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

export function printFloods(r: FloodsResult): void {
  console.log(
    `\nacks under bursts: ${r.rounds.length} rounds, each with a fresh bot and bare Bolt; ms p50/p99/max; ` +
      'loop = event-loop delay the app reports (p50/p99/max, ms beyond the 10 ms sampling)',
  );
  for (const [i, rd] of r.rounds.entries()) {
    console.log(`round ${i + 1}`);
    for (const which of situations()) {
      const { bot, bare } = rd[which];
      console.log(
        `  ${SITUATIONS[which].padEnd(46)} bot ${acksText(bot.acks).padEnd(18)} bare ${acksText(bare.acks).padEnd(16)}` +
          ` p99 ${ratio(quantile(bot.acks, 0.99), quantile(bare.acks, 0.99)).padEnd(6)}` +
          ` forms ${bot.opened}${bot.openFailed ? ` (${bot.openFailed} failed)` : ''}` +
          `  loop bot ${loopText(bot.loop)} then ${loopText(bot.loopAfter)}, bare ${loopText(bare.loop)}`,
      );
    }
  }
  console.log('medians over the rounds (bot p99 / bare p99, and the median of the rounds’ ratios)');
  for (const which of situations()) {
    const p99 = (app: AppName) => r.rounds.map((rd) => quantile(rd[which][app].acks, 0.99));
    const ratios = r.rounds.map((rd) => quantile(rd[which].bot.acks, 0.99) / quantile(rd[which].bare.acks, 0.99));
    const loops = r.rounds.map((rd) => rd[which].bot.loop.max);
    // The order alternates by round (round 1: the bot first), and an app measured first has sat idle through the other
    // app's previous situation: the ratio of each order apart shows how much of it is the order.
    const byOrder = (first: 0 | 1) => {
      const xs = ratios.filter((_, i) => i % 2 === first);
      return xs.length > 0 ? `${median(xs).toFixed(2)}×` : '–';
    };
    console.log(
      `  ${SITUATIONS[which].padEnd(46)} ${ms(median(p99('bot')))} / ${ms(median(p99('bare')))}` +
        `  ${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×)` +
        `  bot first ${byOrder(0)}, bare first ${byOrder(1)}  bot loop max ${ms(median(loops))}`,
    );
  }

  const f = r.flood;
  if (!f) return;
  console.log(
    `\nrefusal flood: ${FLOOD} commands from a non-admin over ${FLOOD_MS / 1000} s while two admins reset passwords`,
  );
  for (const app of ['bot', 'bare'] as AppName[]) {
    const calm = f.calm[app].acks;
    const flood = f.flood[app].acks;
    console.log(
      `  ${app.padEnd(4)} admins' acks without ${acksText(calm)} (${calm.length}), with ${acksText(flood)} (${flood.length})` +
        `  p99 ${ratio(quantile(flood, 0.99), quantile(calm, 0.99))}; flood acks ${acksText(f.flood[app].floodAcks)}` +
        `; loop without ${loopText(f.calm[app].loop)}, with ${loopText(f.flood[app].loop)}`,
    );
  }
  console.log(`  refusals answered through their response_url: ${f.refusalsAnswered} of ${FLOOD}`);
  console.log(
    `  bot memory: ${f.memory.map((m) => `${m.label} ${m.rssMb.toFixed(1)} MB RSS (heap ${m.heapMb.toFixed(1)})`).join('; ')}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  execFileSync('node', ['scripts/build-if-stale.mjs'], { cwd: root, stdio: 'inherit' });
  runFloods().then(
    (r) => {
      printFloods(r);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
