/**
 * `npm run bench`: the compiled bot (`node dist/index.js`, its own process) on SQLite and on PostgreSQL, the same
 * bot with DIRECTORY=ldap against a local slapd (SQLite store), the same bot with no store
 * (bench/no-store-bot.mjs) and a bare Bolt app that only acks (bench/bare-app.mjs), each in its own process,
 * against the fakes with injected network latency, measured in the same run with the same signed requests,
 * alternating one request each so all see the same machine noise. Then RSS after 5 bursts of 200 resets, and
 * the cost of judging an account at the lookup against the bare directory search (bench/lookups.ts).
 * The load generator and the fakes share this process, so every timestamp comes from one clock.
 * Prints medians, p99s and ratios; asserts nothing.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { buildResetModal, CALLBACK_ID } from '../src/views/reset-modal.js';
import { FakeSlack } from '../test/fakes/fake-slack.js';
import { FakeTwilio } from '../test/fakes/fake-twilio.js';
import { sleep } from '../test/fakes/http-util.js';
import { httpTransport, slashCommandPayload, viewSubmissionPayload } from '../test/fakes/slack-driver.js';
import { ADMIN, ADMIN_GROUP, SIGNING_SECRET, testEnv, waitFor } from '../test/helpers/harness.js';
import { LdapPeople } from '../test/helpers/ldap-people.js';
import { startPostgres } from '../test/helpers/postgres-server.js';
import { ldapBotEnv, slapdAvailable, startSlapd } from '../test/helpers/slapd.js';
import { printBursts, runBursts } from './bursts.js';
import { runLookups } from './lookups.js';
import { npmStartCommand, root, rssMb, startServer as startProcess } from './processes.js';

const N = Number(process.env.BENCH_N ?? 400);
const WARMUP = 40;
const SLACK_LATENCY_MS = 20;
const TWILIO_LATENCY_MS = 50;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? Number.NaN;
};
const fmt = (ms: number) => `${ms.toFixed(2)} ms`.padStart(9);

/** A bench server, killed if the run fails half-way. */
const startServer = (args: string[], env: Record<string, string | undefined>) =>
  startProcess(args, env, (child) => cleanups.push(() => child.kill('SIGKILL')));

const STORES = ['none', 'sqlite', 'postgres', 'ldap'] as const;
/** The bots that store (or not) and text; `ldap` is the SQLite bot with DIRECTORY=ldap. */
type StoreName = (typeof STORES)[number];
type Target = StoreName | 'bare';

/** What to stop if the run fails half-way, so that no server outlives the benchmark. */
const cleanups: (() => unknown)[] = [];

async function main() {
  if (N + WARMUP > 1000)
    throw new Error('BENCH_N is at most 960: the rate limits below allow 1000 resets of one employee');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  const slack = await new FakeSlack().start();
  const twilio = await new FakeTwilio().start();
  slack.setGroup(ADMIN_GROUP, [ADMIN]);
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
    ...testEnv(slack, twilio, 'http'),
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
  const servers: Partial<Record<Target, { child: ChildProcess; port: number }>> = {
    none: await startServer([...flags, 'bench/no-store-bot.mjs'], env),
    sqlite: await startServer([...flags, entry], env), // testEnv's DATABASE_URL: a new SQLite file in a temp folder
    ...(pg ? { postgres: await startServer([...flags, entry], { ...env, DATABASE_URL: pg.url }) } : {}),
    ...(slapd
      ? {
          ldap: await startServer([...flags, entry], {
            ...env,
            DATABASE_URL: testEnv(slack, twilio, 'http').DATABASE_URL, // its own SQLite file
            ...ldapBotEnv(slapd),
          }),
        }
      : {}),
    bare: await startServer(['bench/bare-app.mjs'], env),
  };
  const targets = (Object.keys(servers) as Target[]).filter((t) => servers[t]);
  const stores = targets.filter((t): t is StoreName => t !== 'bare');
  const rssAtStart = Object.fromEntries(stores.map((t) => [t, rssMb(servers[t]?.child.pid)]));

  slack.latencyMs = SLACK_LATENCY_MS;
  twilio.latencyMs = TWILIO_LATENCY_MS;
  const transport = Object.fromEntries(
    targets.map((t) => [t, httpTransport(`http://127.0.0.1:${servers[t]?.port}`, SIGNING_SECRET)]),
  ) as Record<Target, ReturnType<typeof httpTransport>>;
  const samples = Object.fromEntries(targets.map((t) => [t, { cmd: [] as number[], sub: [] as number[] }])) as Record<
    Target,
    { cmd: number[]; sub: number[] }
  >;
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
    await waitFor(() => slack.pending === 0 && twilio.pending === 0, 5000, 'quiet');
    await sleep(5);
  };

  for (let i = 0; i < N + WARMUP; i++) {
    const keep = i >= WARMUP;
    for (const name of targets) {
      const opened = slack.callsTo('views.open').length;
      const responseUrl = slack.newResponseUrl();
      const cmd = await transport[name](
        'command',
        slashCommandPayload({ userId: ADMIN, triggerId: slack.issueTrigger(ADMIN), responseUrl }),
      );
      if (name !== 'bare') await waitFor(() => slack.callsTo('views.open').length === opened + 1, 5000, 'form');
      // Every app gets the same pause before every measured request, so none is measured "hot".
      await settle();
      const meta = JSON.stringify({ channelId: 'C0HELPDESK', responseUrl, teamId: 'T0RESETPW' });
      const viewId = name === 'bare' ? `V0BARE${i}` : (slack.lastViewFor(ADMIN)?.id ?? '');

      let finalView = view as Record<string, unknown>;
      let finalMeta = meta;
      if (name === 'ldap') {
        // Step 1: the code is looked up before the ack, which carries the confirmation step.
        const lookupView = slack.lastViewFor(ADMIN)?.view ?? {};
        const step1 = await transport.ldap(
          'interactive',
          viewSubmissionPayload(ADMIN, viewId, lookupView, input, meta),
        );
        const confirm = (step1.body as { view?: Record<string, unknown> }).view;
        if (!confirm)
          throw new Error(`ldap: the lookup did not answer with a confirmation: ${JSON.stringify(step1.body)}`);
        finalView = confirm;
        finalMeta = String(confirm.private_metadata);
        if (keep) lookupAck.push(step1.ackMs);
        await settle();
      }

      const sentBefore = twilio.createRequests.length;
      const started = performance.now();
      const sub = await transport[name](
        'interactive',
        viewSubmissionPayload(ADMIN, viewId, finalView as never, input, finalMeta),
      );
      if (name !== 'bare') {
        // This submission's own outcome (delivery follow-ups of earlier resets go to their own response_urls).
        const id = responseUrl.slice(responseUrl.lastIndexOf('/') + 1);
        await waitFor(() => slack.responses.some((r) => r.id === id), 5000, 'outcome');
        const arrived = twilio.createRequests[sentBefore]?.arrivedAt ?? Number.NaN;
        // The only injected latency before the send is the fresh admin check: one Slack call.
        const check = slack.callsTo('usergroups.users.list').at(-1)?.arrivedAt ?? Number.NaN;
        if (keep) {
          overhead[name].push(arrived - started - SLACK_LATENCY_MS);
          toCheck[name].push(check - started);
          checkToTwilio[name].push(arrived - check - SLACK_LATENCY_MS);
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
    postgres: 'resetpw, PostgreSQL',
    ldap: 'resetpw, SQLite + DIRECTORY=ldap',
  };
  console.log(
    `\nresetpw benchmark: ${N} iterations (+${WARMUP} warm-up) per app, apps alternating, Slack latency ` +
      `${SLACK_LATENCY_MS} ms, Twilio latency ${TWILIO_LATENCY_MS} ms, node ${process.version}, ${twilio.sent.length} SMS sent\n`,
  );
  for (const t of targets)
    row(`command ack, ${label[t]}`, samples[t].cmd, t === 'bare' ? undefined : samples.bare.cmd, 'bare');
  console.log('');
  for (const t of targets)
    row(`submission ack, ${label[t]}`, samples[t].sub, t === 'bare' ? undefined : samples.bare.sub, 'bare');
  for (const t of stores.filter((s) => s !== 'none' && s !== 'ldap')) {
    row(`submission ack, ${label[t]}`, samples[t].sub, samples.none.sub, 'no store');
  }
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
  await Promise.all([slack.stop(), twilio.stop()]);
  await sleep(500); // let the bots close their database connections before the server goes
  pg?.stop();
  await slapd?.stop();

  // Memory after bursts, on a fresh bot process of its own (see bench/bursts.ts).
  console.log('');
  printBursts(await runBursts({ bursts: 5, size: 200 }), 200);
  // What judging an account costs at the lookup, against the bare search (see bench/lookups.ts).
  if (slapd) await runLookups();
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    console.error(err);
    for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch(() => undefined);
    process.exit(1);
  },
);
