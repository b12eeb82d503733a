/**
 * `npm run bench`: the compiled bot (`node dist/index.js`, its own process) on SQLite and on PostgreSQL, the same
 * bot with DIRECTORY=ldap against a local slapd (SQLite store), the same bot with no store
 * (bench/no-store-bot.mjs) and a bare Bolt app that only acks (bench/bare-app.mjs), each in its own process,
 * behind the local Slack and Twilio (bench/stand-ins.ts, a process of their own) with 20 ms of injected latency,
 * measured in the same run with the same signed requests, one request at a time, alternating between the apps so
 * all see the same machine noise. Then the acks under bursts and floods (bench/floods.ts), RSS after 5 bursts of 200
 * resets (bench/bursts.ts), and the cost of judging an account at the lookup against the bare directory search
 * (bench/lookups.ts). Times cross processes as epoch milliseconds (bench/stand-ins.ts). BENCH_PARTS picks parts.
 * Prints medians, p99s and ratios; asserts nothing.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildResetModal, CALLBACK_ID } from '../src/views/reset-modal.js';
import { sleep } from '../test/fakes/http-util.js';
import { slashCommandPayload, viewSubmissionPayload } from '../test/fakes/slack-driver.js';
import { ADMIN, ADMIN_GROUP } from '../test/helpers/harness.js';
import { LdapPeople } from '../test/helpers/ldap-people.js';
import { startPostgres } from '../test/helpers/postgres-server.js';
import { ldapBotEnv, slapdAvailable, startSlapd } from '../test/helpers/slapd.js';
import { printBursts, runBursts } from './bursts.js';
import { printFloods, runFloods } from './floods.js';
import { runLookups } from './lookups.js';
import { npmStartCommand, root, rssMb, startServer as startProcess } from './processes.js';
import { quantile, type SlackSender, slackSender } from './requests.js';
import { epochNow, StandIns } from './stand-ins.js';

const N = Number(process.env.BENCH_N ?? 300);
const WARMUP = 40;
/** Added to every answer of the local Slack and Twilio. */
const LATENCY_MS = 20;

const fmt = (ms: number) => `${ms.toFixed(2)} ms`.padStart(9);

/** A bench server, killed if the run fails half-way. */
const startServer = (args: string[], env: Record<string, string | undefined>) =>
  startProcess(args, env, (child) => cleanups.push(() => child.kill('SIGKILL')));

const STORES = ['none', 'sqlite', 'compare', 'postgres', 'ldap'] as const;
/**
 * The bots that store (or not) and text; `ldap` is the SQLite bot with DIRECTORY=ldap; `compare` is the SQLite bot of
 * another checkout (BENCH_COMPARE=<its folder>, built here), measured in the same run to compare a change with.
 */
type StoreName = (typeof STORES)[number];
type Target = StoreName | 'bare';

/** What to stop if the run fails half-way, so that no server outlives the benchmark. */
const cleanups: (() => unknown)[] = [];

/** BENCH_PARTS=latency,floods,memory,lookups: only those parts (all by default); `latency` alone takes minutes. */
const PARTS = ['latency', 'floods', 'memory', 'lookups'] as const;
const parts = new Set(process.env.BENCH_PARTS?.split(',').map((p) => p.trim()) ?? PARTS);
const unknownParts = [...parts].filter((p) => !(PARTS as readonly string[]).includes(p));

async function main() {
  if (unknownParts.length > 0) throw new Error(`BENCH_PARTS: unknown ${unknownParts.join(', ')} (${PARTS.join(', ')})`);
  if (N + WARMUP > 1000)
    throw new Error('BENCH_N is at most 960: the rate limits below allow 1000 resets of one employee');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  const compare = process.env.BENCH_COMPARE;
  if (compare && parts.has('latency')) execFileSync('npm', ['run', '-s', 'build'], { cwd: compare, stdio: 'inherit' });
  if (parts.has('latency')) await latency(compare);
  // Acks under bursts and floods, against bare Bolt (see bench/floods.ts).
  if (parts.has('floods')) printFloods(await runFloods());
  // Memory after bursts, on a fresh bot process of its own (see bench/bursts.ts).
  if (parts.has('memory')) {
    console.log('');
    printBursts(await runBursts({ bursts: 5, size: 200 }), 200);
  }
  // What judging an account costs at the lookup, against the bare search (see bench/lookups.ts); BENCH_LOOKUPS=0
  // leaves it out (its Active Directory part starts Samba on fixed ports: run that under `flock /tmp/samba.lock`).
  if (parts.has('lookups') && slapdAvailable() && process.env.BENCH_LOOKUPS !== '0') await runLookups();
}

/** One request at a time, the apps alternating: the acks and the own overhead up to the Twilio request. */
async function latency(compare: string | undefined) {
  const stand = await StandIns.start();
  cleanups.push(() => stand.kill());
  await stand.setGroup(ADMIN_GROUP, [ADMIN]);
  const pg = await startPostgres();
  if (!pg) console.warn('PostgreSQL server binaries not found (apt-get install postgresql): measuring SQLite only.');
  if (pg) cleanups.push(() => pg.stop());
  const slapd = slapdAvailable() ? await startSlapd() : undefined;
  if (slapd) cleanups.push(() => slapd.stop());
  if (!slapd) console.warn('slapd not found (apt-get install slapd): not measuring DIRECTORY=ldap.');
  if (slapd) {
    await new LdapPeople(slapd).add({ uid: 'jane', code: 'E-1042', name: 'Jane Doe', mobile: '+15005550006' });
  }
  const env = {
    ...stand.env(),
    LOG_LEVEL: 'info',
    TWILIO_TIMEOUT_MS: '10000',
    // Every iteration resets the same employee: the limits are counted (that is part of the cost) but never reached.
    RATE_LIMIT_EMPLOYEE_PER_10_MIN: '1000',
    RATE_LIMIT_EMPLOYEE_PER_DAY: '1000',
    RATE_LIMIT_PHONE_PER_DAY: '1000',
    RATE_LIMIT_ADMIN_PER_HOUR: '10000',
    RATE_LIMIT_WORKSPACE_PER_DAY: '1000000',
  };
  const { flags, entry } = npmStartCommand();
  const botFlags = process.env.BENCH_BOT_FLAGS?.split(' ').filter(Boolean) ?? [];
  const servers: Partial<Record<Target, { child: ChildProcess; port: number }>> = {
    none: await startServer([...flags, 'bench/no-store-bot.mjs'], env),
    // testEnv's DATABASE_URL: a new SQLite file in a temp folder. BENCH_BOT_FLAGS: node flags for this bot, to look
    // into it (`--cpu-prof --cpu-prof-dir=…`).
    sqlite: await startServer([...botFlags, ...flags, entry], env),
    ...(compare
      ? {
          compare: await startServer([...flags, join(compare, entry)], {
            ...env,
            DATABASE_URL: stand.env().DATABASE_URL, // its own SQLite file
          }),
        }
      : {}),
    ...(pg ? { postgres: await startServer([...flags, entry], { ...env, DATABASE_URL: pg.url }) } : {}),
    ...(slapd
      ? {
          ldap: await startServer([...flags, entry], {
            ...env,
            DATABASE_URL: stand.env().DATABASE_URL, // its own SQLite file
            ...ldapBotEnv(slapd),
          }),
        }
      : {}),
    bare: await startServer(['bench/bare-app.mjs'], env),
  };
  const targets = (Object.keys(servers) as Target[]).filter((t) => servers[t]);
  const stores = targets.filter((t): t is StoreName => t !== 'bare');
  const rssAtStart = Object.fromEntries(stores.map((t) => [t, rssMb(servers[t]?.child.pid)]));

  await stand.latency(LATENCY_MS);
  const transport = Object.fromEntries(
    targets.map((t) => [t, slackSender(`http://127.0.0.1:${servers[t]?.port}`)]),
  ) as Record<Target, SlackSender>;
  /** Acks as the sender timed them (`cmd`, `sub`), and as each app timed itself (`cmdApp`, `subApp`: Server-Timing). */
  const samples = Object.fromEntries(
    targets.map((t) => [
      t,
      { cmd: [] as number[], sub: [] as number[], cmdApp: [] as number[], subApp: [] as number[] },
    ]),
  ) as Record<Target, { cmd: number[]; sub: number[]; cmdApp: number[]; subApp: number[] }>;
  const perStore = () => Object.fromEntries(stores.map((t) => [t, [] as number[]])) as Record<StoreName, number[]>;
  const overhead = perStore();
  const toCheck = perStore();
  const checkToTwilio = perStore();
  /** DIRECTORY=ldap only: the lookup step's ack (the directory search happens before it). */
  const lookupAck: number[] = [];
  const view = { ...buildResetModal({ privateMetadata: '', defaultCountry: 'US' }), callback_id: CALLBACK_ID };
  const input = { name: 'Jane Doe', code: 'E-1042', phone: '+15005550006' };

  // Let the bots finish what they started (views.update, the response_url post) before the next measurement.
  const settle = async () => {
    await stand.mustWaitFor({ quiet: true }, 5000);
    await sleep(5);
  };

  for (let i = 0; i < N + WARMUP; i++) {
    const keep = i >= WARMUP;
    for (const name of targets) {
      const [triggerId, responseUrl] = await Promise.all([stand.trigger(ADMIN), stand.responseUrl()]);
      const cmd = await transport[name].send('command', slashCommandPayload({ userId: ADMIN, triggerId, responseUrl }));
      if (name !== 'bare') await stand.mustWaitFor({ triggersUsed: [triggerId] }, 5000);
      // Every app gets the same pause before every measured request, so none is measured "hot".
      await settle();
      const meta = JSON.stringify({ channelId: 'C0HELPDESK', responseUrl, teamId: 'T0RESETPW' });
      const opened = name === 'bare' ? undefined : await stand.lastView(ADMIN);
      const viewId = opened?.id ?? `V0BARE${i}`;

      let finalView = view as Record<string, unknown>;
      let finalMeta = meta;
      if (name === 'ldap') {
        // Step 1: the code is looked up before the ack, which carries the confirmation step.
        const step1 = await transport.ldap.send(
          'interactive',
          viewSubmissionPayload(ADMIN, viewId, opened?.view ?? {}, input, meta),
        );
        const confirm = (step1.body as { view?: Record<string, unknown> }).view;
        if (!confirm)
          throw new Error(`ldap: the lookup did not answer with a confirmation: ${JSON.stringify(step1.body)}`);
        finalView = confirm;
        finalMeta = String(confirm.private_metadata);
        if (keep) lookupAck.push(step1.ackMs);
        await settle();
      }

      const sentBefore = (await stand.counts()).creates;
      const started = epochNow();
      const sub = await transport[name].send(
        'interactive',
        viewSubmissionPayload(ADMIN, viewId, finalView as never, input, finalMeta),
      );
      if (name !== 'bare') {
        // This submission's own outcome (delivery follow-ups of earlier resets go to their own response_urls).
        const id = responseUrl.slice(responseUrl.lastIndexOf('/') + 1);
        await stand.mustWaitFor({ response: id }, 5000);
        const arrived = (await stand.createAt(sentBefore)) ?? Number.NaN;
        // The only injected latency before the send is the fresh admin check: one Slack call.
        const check = (await stand.lastCallAt('usergroups.users.list')) ?? Number.NaN;
        if (keep) {
          overhead[name].push(arrived - started - LATENCY_MS);
          toCheck[name].push(check - started);
          checkToTwilio[name].push(arrived - check - LATENCY_MS);
        }
      }
      if (cmd.status !== 200 || sub.status !== 200) throw new Error(`${name}: HTTP ${cmd.status}/${sub.status}`);
      await settle();
      if (keep) {
        samples[name].cmd.push(cmd.ackMs);
        samples[name].sub.push(sub.ackMs);
        samples[name].cmdApp.push(cmd.appMs);
        samples[name].subApp.push(sub.appMs);
      }
    }
  }
  const rssAtEnd = Object.fromEntries(targets.map((t) => [t, rssMb(servers[t]?.child.pid)]));

  const row = (label: string, xs: number[], base?: number[], baseName = '') => {
    const ratio = base
      ? `   vs ${baseName}: p50 ${(quantile(xs, 0.5) / quantile(base, 0.5)).toFixed(2)}×  p99 ${(quantile(xs, 0.99) / quantile(base, 0.99)).toFixed(2)}×`
      : '';
    console.log(`${label.padEnd(48)} p50 ${fmt(quantile(xs, 0.5))}  p99 ${fmt(quantile(xs, 0.99))}${ratio}`);
  };
  const label: Record<Target, string> = {
    bare: 'bare Bolt',
    none: 'resetpw, no store',
    sqlite: 'resetpw, SQLite',
    compare: 'resetpw, SQLite, BENCH_COMPARE',
    postgres: 'resetpw, PostgreSQL',
    ldap: 'resetpw, SQLite + DIRECTORY=ldap',
  };
  console.log(
    `\nresetpw benchmark: ${N} iterations (+${WARMUP} warm-up) per app, apps alternating, Slack and Twilio latency ` +
      `${LATENCY_MS} ms, node ${process.version}, ${(await stand.counts()).sent} SMS sent\n`,
  );
  for (const t of targets)
    row(`command ack, ${label[t]}`, samples[t].cmd, t === 'bare' ? undefined : samples.bare.cmd, 'bare');
  console.log('');
  for (const t of targets)
    row(`submission ack, ${label[t]}`, samples[t].sub, t === 'bare' ? undefined : samples.bare.sub, 'bare');
  for (const t of stores.filter((s) => s !== 'none' && s !== 'ldap')) {
    row(`submission ack, ${label[t]}`, samples[t].sub, samples.none.sub, 'no store');
  }
  // The same acks as each app timed them (its Server-Timing header: from the request's headers to the answer's).
  // The sender's figure adds the wire and the sender's own wake-up, which on two shared cores waits whenever the app
  // goes on working right after its ack, as the bot does and a bare app does not.
  // A BENCH_COMPARE tree from before the header has no such figures.
  const timed = targets.filter((t) => samples[t].cmdApp.every(Number.isFinite));
  console.log('');
  for (const t of timed)
    row(`command, in the app, ${label[t]}`, samples[t].cmdApp, t === 'bare' ? undefined : samples.bare.cmdApp, 'bare');
  for (const t of timed)
    row(
      `submission, in the app, ${label[t]}`,
      samples[t].subApp,
      t === 'bare' ? undefined : samples.bare.subApp,
      'bare',
    );
  if (samples.ldap) {
    console.log('');
    row('lookup ack (search before the ack), ldap', lookupAck);
    row('confirmation ack, ldap', samples.ldap.sub, samples.sqlite.sub, 'DIRECTORY=none');
  }
  console.log('');
  for (const t of stores.filter((s) => servers[s])) {
    // The directory bot is compared with the same bot on the same store without a directory.
    const base = t === 'none' ? undefined : t === 'ldap' ? 'sqlite' : 'none';
    const baseName = t === 'ldap' ? 'DIRECTORY=none' : 'no store';
    row(`own overhead, ${label[t]}`, overhead[t], base && overhead[base], baseName);
    row('  of which submit → admin re-check', toCheck[t], base && toCheck[base], baseName);
    row('  and re-check answered → Twilio', checkToTwilio[t], base && checkToTwilio[base], baseName);
  }
  if (servers.compare) {
    console.log('');
    row('submission ack, SQLite, this checkout', samples.sqlite.sub, samples.compare?.sub, 'BENCH_COMPARE');
    row('own overhead, SQLite, this checkout', overhead.sqlite, overhead.compare, 'BENCH_COMPARE');
    row('  of which submit → admin re-check', toCheck.sqlite, toCheck.compare, 'BENCH_COMPARE');
    row('  and re-check answered → Twilio', checkToTwilio.sqlite, checkToTwilio.compare, 'BENCH_COMPARE');
  }
  if (servers.ldap) {
    const share = (q: number) => quantile(overhead.ldap, q) - quantile(overhead.sqlite, q);
    console.log(
      `${'  directory share (ldap − DIRECTORY=none)'.padEnd(48)} p50 ${fmt(share(0.5))}  p99 ${fmt(share(0.99))}`,
    );
  }
  console.log('');
  for (const t of targets) {
    const start = rssAtStart[t] === undefined ? '' : `${rssAtStart[t]?.toFixed(1)} MB at start, `;
    console.log(`${`RSS, ${label[t]}`.padEnd(48)} ${start}${rssAtEnd[t]?.toFixed(1)} MB after the run`);
  }

  for (const t of targets) servers[t]?.child.kill('SIGTERM');
  for (const t of targets) transport[t].close();
  await stand.stop();
  await sleep(500); // let the bots close their database connections before the server goes
  pg?.stop();
  await slapd?.stop();
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    console.error(err);
    for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch(() => undefined);
    process.exit(1);
  },
);
