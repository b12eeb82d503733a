/**
 * `.ci/run`'s stand-in for `docker build` and `docker compose up`, since CI has no container engine (the README
 * says what a real one showed). Usage: `tsx scripts/container-check.ts <context>`, where <context> is a clean folder with the tracked
 * files (a fresh checkout).
 *
 * 1. Reads the Dockerfile and carries out each stage's instructions in a folder of its own standing in for the
 *    stage's filesystem: COPY from the context or an earlier stage, RUN in the stage's WORKDIR with its ENV. `apt-get`
 *    lines are not run (this host is Debian already): the packages they install must be present here.
 * 2. Checks the runtime stage: no development dependency, no source, the data folder owned by uid 1000.
 * 3. `docker run`: the image's CMD as uid 1000 (the image's `node` user) with the image's ENV, against fake Slack and
 *    fake Twilio in Socket Mode: the HEALTHCHECK command must pass, `resetpw doctor` (found on the image's PATH) must
 *    pass, one reset must text, and SIGTERM with a second reset stuck at Twilio must end it with code 0 inside the
 *    stop grace (STOP_TIMEOUT_SECONDS, Docker's 10 s), that reset marked unknown and its admin told.
 * 4. `docker compose up`: compose.yaml (only keys Compose v1 also accepts; the stop grace given to the bot agrees
 *    with STOP_TIMEOUT_SECONDS), its `bot` service's replica count and environment, on a throwaway PostgreSQL: the replicas start together (one migrates, under a lock), each becomes healthy and does a reset
 *    through its own Socket Mode connection, and `resetpw audit` run in the image sees both.
 *
 * What differs from a container engine, on purpose: HEALTH_PORT is a free port per process (replicas share this
 * host's network), the database URL points at the throwaway server instead of the `db` service, and paths under /
 * are folders under the stage's root. The base image's Node is this host's (the major version is compared).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { FakeSlack } from '../test/fakes/fake-slack.js';
import { FakeTwilio, MAGIC_TO } from '../test/fakes/fake-twilio.js';
import { freePort, sleep } from '../test/fakes/http-util.js';
import { SlackDriver, socketTransport } from '../test/fakes/slack-driver.js';
import { ADMIN, ADMIN_GROUP, OTHER_ADMIN, testEnv, waitFor } from '../test/helpers/harness.js';
import { startPostgres } from '../test/helpers/postgres-server.js';

const NODE_UID = 1000;
/** The base image's PATH (node:20-bookworm-slim's), what `$PATH` in an ENV line expands to. */
const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface Instruction {
  readonly op: string;
  readonly args: string;
}
interface Stage {
  readonly name: string;
  readonly from: string;
  readonly steps: Instruction[];
}
interface BuiltStage {
  readonly root: string;
  readonly env: Record<string, string>;
  readonly workdir: string;
  readonly user: string | undefined;
  readonly cmd: string[];
  readonly healthcheck: string[];
}

const say = (s: string) => console.log(`container-check: ${s}`);
function fail(s: string): never {
  throw new Error(s);
}

/** The Dockerfile as stages of instructions (comments dropped, continuation lines joined). */
export function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [op = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? fail(`cannot read FROM ${args}`);
      stages.push({ from: m[1] ?? '', name: m[2] ?? String(stages.length), steps: [] });
    } else {
      (stages.at(-1) ?? fail(`${op} before FROM`)).steps.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

/** An exec-form (JSON array) instruction's argument list. */
function execForm(args: string, what: string): string[] {
  const parsed = JSON.parse(args.trim()) as unknown;
  if (!Array.isArray(parsed)) fail(`${what} must use the exec form ["…"] so signals reach node`);
  return parsed.map(String);
}

function build(stage: Stage, context: string, built: Map<string, BuiltStage>): BuiltStage {
  const major = /^node:(\d+)/.exec(stage.from)?.[1];
  if (major && Number(major) !== Number(process.versions.node.split('.')[0])) {
    fail(`stage ${stage.name} is FROM ${stage.from}, but this host runs Node ${process.version}`);
  }
  const root = mkdtempSync(join(tmpdir(), `resetpw-stage-${stage.name}-`));
  chmodSync(root, 0o755);
  let workdir = '/';
  let user: string | undefined;
  let cmd: string[] = [];
  let healthcheck: string[] = [];
  const env: Record<string, string> = {};
  const inStage = (p: string) => join(root, p.startsWith('/') ? p : join(workdir, p));
  for (const { op, args } of stage.steps) {
    switch (op) {
      case 'WORKDIR':
        workdir = args.startsWith('/') ? args : join(workdir, args);
        mkdirSync(inStage(workdir), { recursive: true });
        break;
      case 'ENV': {
        const m = /^(\w+)=(.*)$/.exec(args) ?? fail(`ENV must be KEY=value: ${args}`);
        // Docker expands $VAR and ${VAR} from the stage's environment; PATH starts as the base image's.
        env[m[1] ?? ''] = (m[2] ?? '').replace(
          /\$\{?(\w+)\}?/g,
          (_all, name: string) => env[name] ?? (name === 'PATH' ? BASE_PATH : ''),
        );
        break;
      }
      case 'COPY': {
        const words = args.split(/\s+/);
        const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
        const paths = words.filter((w) => !w.startsWith('--'));
        const dest = paths.pop() ?? fail('COPY without a destination');
        const source = from ? (built.get(from)?.root ?? fail(`COPY --from=${from}: no such stage`)) : context;
        const target = inStage(dest);
        for (const p of paths) {
          const src = join(source, p);
          if (!existsSync(src)) fail(`COPY ${p}: not in the ${from ? `stage ${from}` : 'build context'}`);
          const into = dest.endsWith('/') || paths.length > 1 ? join(target, basename(p)) : target;
          // Docker copies symbolic links as they are (a relative link stays relative).
          cpSync(src, statSync(src).isDirectory() ? target : into, { recursive: true, verbatimSymlinks: true });
        }
        break;
      }
      case 'RUN':
        run(args, inStage(workdir), { ...env, PATH: searchPath(root, env.PATH) });
        break;
      case 'USER':
        user = args;
        break;
      case 'CMD':
        cmd = execForm(args, 'CMD');
        break;
      case 'HEALTHCHECK': {
        const at = args.indexOf('CMD ');
        healthcheck = execForm(args.slice(at + 4), 'HEALTHCHECK');
        break;
      }
      case 'EXPOSE':
      case 'VOLUME':
      case 'LABEL':
        break;
      default:
        fail(`unsupported instruction ${op} (teach scripts/container-check.ts, or keep the Dockerfile simple)`);
    }
  }
  say(`stage ${stage.name} built in ${root}`);
  return { root, env, workdir, user, cmd, healthcheck };
}

/** A RUN line: apt-get is checked against this host's packages; anything else runs in the stage's WORKDIR. */
function run(command: string, cwd: string, env: Record<string, string>): void {
  for (const part of command.split('&&').map((p) => p.trim())) {
    const apt = /^apt-get\s+install\s+(.*)$/.exec(part);
    if (apt) {
      const packages = (apt[1] ?? '').split(/\s+/).filter((w) => w && !w.startsWith('-'));
      const missing = packages.filter((p) => spawnSync('dpkg', ['-s', p], { stdio: 'ignore' }).status !== 0);
      if (missing.length > 0) fail(`RUN apt-get install: ${missing.join(', ')} not installed on this host`);
      say(`RUN apt-get install ${packages.join(' ')}: present on this host, not run`);
    }
  }
  if (/^apt-get\b/.test(command)) return;
  say(`RUN ${command}`);
  execFileSync('sh', ['-c', command], {
    cwd,
    env: { HOME: process.env.HOME, ...env },
    stdio: 'inherit',
  });
}

/**
 * The image's PATH with its folders inside the stage's root, then this host's Node and PATH (standing in for the
 * base image's own /usr/local/bin and /usr/bin).
 */
function searchPath(root: string, imagePath: string | undefined): string {
  const inImage = (imagePath ?? '').split(':').filter((p) => p.startsWith('/'));
  return [...inImage.map((p) => join(root, p)), dirname(process.execPath), process.env.PATH ?? ''].join(':');
}

/** A command of the image, as its USER, in its WORKDIR; a bare name is looked up on the image's PATH, as Docker does. */
function asImageUser(image: BuiltStage, argv: string[]): [string, string[]] {
  const [bin = '', ...rest] = argv;
  const onImagePath = (image.env.PATH ?? BASE_PATH)
    .split(':')
    .map((dir) => join(image.root, dir, bin))
    .find((file) => existsSync(file));
  const program = bin === 'node' ? process.execPath : bin.includes('/') ? bin : onImagePath;
  if (!program) fail(`${bin}: not found on the image's PATH (${image.env.PATH ?? BASE_PATH})`);
  if (image.user === undefined || image.user === 'root') fail('the runtime stage must set a non-root USER');
  return ['setpriv', [`--reuid=${NODE_UID}`, `--regid=${NODE_UID}`, '--clear-groups', program, ...rest]];
}

/** A process of the image (as its USER, in its WORKDIR), with its stdout and stderr gathered in one text. */
function spawnInImage(image: BuiltStage, env: Record<string, string>, argv: string[]) {
  const [bin, args] = asImageUser(image, argv);
  const child = spawn(bin, args, {
    cwd: join(image.root, image.workdir),
    env: { ...env, PATH: searchPath(image.root, env.PATH) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { text: '' };
  const gather = (chunk: unknown) => {
    output.text += String(chunk);
  };
  child.stdout?.on('data', gather);
  child.stderr?.on('data', gather);
  return { child, output };
}

function startContainer(image: BuiltStage, env: Record<string, string>, name: string): ChildProcess {
  const { child, output } = spawnInImage(image, env, image.cmd);
  child.once('exit', (code, signal) => {
    if (code !== 0 || process.env.CONTAINER_CHECK_VERBOSE) {
      say(`${name} exited with ${code ?? signal}; its last output:\n${output.text.slice(-3000)}`);
    }
  });
  return child;
}

/**
 * Runs a one-off command in the image (HEALTHCHECK, doctor, audit); resolves with its exit code and output.
 * Asynchronous on purpose: the fakes it talks to run in this process.
 */
function exec(image: BuiltStage, env: Record<string, string>, argv: string[]): Promise<{ code: number; out: string }> {
  const { child, output } = spawnInImage(image, env, argv);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolvePromise) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? 1, out: output.text });
    });
  });
}

async function healthy(image: BuiltStage, env: Record<string, string>, name: string): Promise<void> {
  const deadline = Date.now() + 30_000; // the HEALTHCHECK's start period
  for (;;) {
    const probe = await exec(image, env, image.healthcheck);
    if (probe.code === 0) {
      say(`${name}: HEALTHCHECK passes (${probe.out.trim().slice(0, 120)})`);
      return;
    }
    if (Date.now() > deadline) fail(`${name}: HEALTHCHECK still failing after 30 s: ${probe.out.trim()}`);
    await sleep(500);
  }
}

/** SIGTERM, then the exit code must be 0 within `graceMs` (what a container engine waits before SIGKILL). */
function stopped(child: ChildProcess, name: string, graceMs = 10_000): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not stop within ${graceMs / 1000} s of SIGTERM: an engine would kill it`)),
      graceMs,
    );
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise();
      else reject(new Error(`${name} ended with ${code ?? signal} after SIGTERM, not 0`));
    });
    child.kill('SIGTERM');
  });
}

async function main(): Promise<void> {
  const context = resolve(process.argv[2] ?? fail('usage: container-check.ts <clean checkout>'));
  const stages = parseDockerfile(readFileSync(join(context, 'Dockerfile'), 'utf8'));
  const built = new Map<string, BuiltStage>();
  for (const stage of stages) built.set(stage.name, build(stage, context, built));
  const image = [...built.values()].at(-1) ?? fail('no stages');
  const app = join(image.root, image.workdir);

  // The runtime stage: production dependencies only, compiled code only, a data folder only the bot may write.
  for (const dev of ['typescript', 'tsx', 'vitest', '@biomejs/biome']) {
    if (existsSync(join(app, 'node_modules', dev))) fail(`the runtime stage holds the dev dependency ${dev}`);
  }
  if (existsSync(join(app, 'src'))) fail('the runtime stage holds the TypeScript sources');
  const dataDir = join(image.root, (image.env.DATABASE_URL ?? '').replace(/^sqlite:/, '').replace(/\/[^/]+$/, ''));
  if (statSync(dataDir).uid !== NODE_UID) fail(`${dataDir} is not owned by uid ${NODE_UID}`);
  if (image.healthcheck.length === 0 || image.cmd.length === 0) fail('the runtime stage needs CMD and HEALTHCHECK');
  say(`runtime stage: no dev dependencies, no sources, data folder owned by uid ${NODE_UID}, USER ${image.user}`);

  const slack = await new FakeSlack().start();
  const twilio = await new FakeTwilio().start();
  slack.setGroup(ADMIN_GROUP, [ADMIN, OTHER_ADMIN]);
  const pg = await startPostgres();
  const children: ChildProcess[] = [];
  try {
    // Slack and Twilio as a .env would give them (the fakes'), in Socket Mode; the image's ENV over the top.
    const { DATABASE_URL: _harnessDb, PORT: _port, ...secrets } = testEnv(slack, twilio, 'socket');
    const base = { PATH: process.env.PATH ?? '', ...(secrets as Record<string, string>), LOG_LEVEL: 'info' };

    // docker run: the image alone, SQLite in its data folder.
    const single = {
      ...base,
      ...image.env,
      DATABASE_URL: `sqlite:${join(image.root, (image.env.DATABASE_URL ?? '').replace(/^sqlite:/, ''))}`,
      HEALTH_PORT: String(await freePort()),
      // Longer than the stop grace: a send stuck at Twilio outlives the drain, as in production with its 10 s.
      TWILIO_TIMEOUT_MS: '60000',
    };
    const one = startContainer(image, single, 'docker run');
    children.push(one);
    await healthy(image, single, 'docker run');
    // `docker run IMAGE resetpw doctor`: the command replaces CMD and is found on the image's PATH.
    const doctor = await exec(image, single, ['resetpw', 'doctor']);
    if (doctor.code !== 0) fail(`resetpw doctor failed in the image:\n${doctor.out}`);
    say('docker run: `resetpw doctor` (on the image PATH) passes in the image');
    await waitFor(() => slack.socketCount === 1, 5000, 'the Socket Mode connection');
    const driver = new SlackDriver(slack, socketTransport(slack, 0));
    await resetThrough(driver, ADMIN, twilio, '+15005550006');
    // docker stop with a reset under way whose Twilio call hangs: the bot must finish inside Docker's grace.
    twilio.slowMs = 120_000;
    const asked = twilio.createRequests.length;
    await driver.command(OTHER_ADMIN);
    await waitFor(() => slack.lastViewFor(OTHER_ADMIN) !== undefined, 5000, 'the second form');
    await driver.submit(OTHER_ADMIN, { name: 'Jane Doe', code: 'E-4242', phone: MAGIC_TO.slow });
    await waitFor(() => twilio.createRequests.length === asked + 1, 10_000, 'the stuck send');
    const grace = Number(image.env.STOP_TIMEOUT_SECONDS ?? 10) * 1000;
    const began = Date.now();
    await stopped(one, 'docker run', grace);
    const took = Date.now() - began;
    twilio.slowMs = 2000;
    // Told through the form (the reset's own answer) or by DM (a reset the drain gave up on).
    const told = slack.calls.slice(-20).some((c) => JSON.stringify(c.args).includes('Outcome unknown'));
    if (!told) fail('docker stop: the admin of the reset under way was not told its outcome is unknown');
    say(
      `docker run: one reset texted; SIGTERM with a reset stuck at Twilio ended the bot with code 0 in ${(took / 1000).toFixed(1)} s (grace ${grace / 1000} s), its admin told the outcome is unknown`,
    );

    // docker compose up: the bot service's replicas and environment, on PostgreSQL.
    if (!pg) fail('PostgreSQL server binaries not found (apt-get install postgresql)');
    const compose = parse(readFileSync(join(context, 'compose.yaml'), 'utf8')) as {
      [key: string]: unknown;
      services: {
        bot: { environment: Record<string, string>; deploy?: { replicas?: number }; stop_grace_period?: string };
      };
    };
    // Debian 12 packages Compose v1 (1.29), which rejects top-level keys it does not know (`name:` among them).
    const v1Keys = ['version', 'services', 'volumes', 'networks', 'secrets', 'configs'];
    const unknownKeys = Object.keys(compose).filter((k) => !v1Keys.includes(k) && !k.startsWith('x-'));
    if (unknownKeys.length > 0) fail(`compose.yaml: top-level ${unknownKeys.join(', ')} would stop Compose v1`);
    const service = compose.services.bot;
    const graceSeconds = durationSeconds(service.stop_grace_period ?? '10s');
    const stopTimeout = Number(service.environment.STOP_TIMEOUT_SECONDS ?? image.env.STOP_TIMEOUT_SECONDS ?? 10);
    if (stopTimeout > graceSeconds) {
      fail(`compose.yaml: STOP_TIMEOUT_SECONDS=${stopTimeout} but the engine kills after ${graceSeconds} s`);
    }
    const replicas = service.deploy?.replicas ?? 1;
    if (replicas < 2) fail('compose.yaml runs fewer than two replicas');
    if (!/^postgres:\/\//.test(service.environment.DATABASE_URL ?? ''))
      fail('compose.yaml: DATABASE_URL is not postgres');
    await waitFor(() => slack.socketCount === 0, 5000, 'the first connection to close');
    const envs = await Promise.all(
      Array.from({ length: replicas }, async () => ({
        ...base,
        ...image.env,
        ...service.environment,
        DATABASE_URL: pg.url,
        HEALTH_PORT: String(await freePort()),
      })),
    );
    envs.forEach((env, i) => {
      children.push(startContainer(image, env, `replica ${i + 1}`));
    });
    await Promise.all(envs.map((env, i) => healthy(image, env, `replica ${i + 1}`)));
    await waitFor(() => slack.socketCount === replicas, 10_000, 'a Socket Mode connection per replica');
    for (let i = 0; i < replicas; i++) {
      await resetThrough(
        new SlackDriver(slack, socketTransport(slack, i)),
        i % 2 ? OTHER_ADMIN : ADMIN,
        twilio,
        '+15005550006',
      );
    }
    const audit = await exec(image, envs[0] ?? {}, ['resetpw', 'audit', '--json']);
    const rows = JSON.parse(audit.out) as { result: string }[];
    if (rows.filter((r) => r.result === 'sent').length !== replicas) {
      fail(`resetpw audit on PostgreSQL shows ${rows.length} rows, expected ${replicas} sent:\n${audit.out}`);
    }
    await Promise.all(children.slice(1).map((c, i) => stopped(c, `replica ${i + 1}`, graceSeconds * 1000)));
    say(
      `docker compose up: ${replicas} replicas on one PostgreSQL, each healthy, each reset once; audit shows both; SIGTERM → 0`,
    );
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await Promise.all([slack.stop(), twilio.stop()]);
    await sleep(300);
    pg?.stop();
  }
}

/** A Compose duration (`30s`, `1m30s`, `500ms`) in seconds. */
function durationSeconds(text: string): number {
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(n) * ({ ms: 0.001, s: 1, m: 60, h: 3600 }[unit as 'ms' | 's' | 'm' | 'h'] ?? 0);
  }
  if (total === 0) fail(`cannot read the duration ${text}`);
  return total;
}

/** One reset through one Socket Mode connection, up to the text arriving on the phone. */
async function resetThrough(driver: SlackDriver, admin: string, twilio: FakeTwilio, phone: string): Promise<void> {
  const texts = twilio.sent.length;
  const before = driver.slack.lastViewFor(admin)?.id;
  await driver.command(admin);
  await waitFor(() => driver.slack.lastViewFor(admin)?.id !== before, 5000, 'the form');
  await driver.submit(admin, { name: 'Jane Doe', code: `E-${Date.now() % 100000}`, phone });
  await waitFor(() => twilio.sent.length === texts + 1, 10_000, 'the text');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`container-check: FAILED: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
