import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseDockerfile } from '../../scripts/container-check.js';

/**
 * The container recipe's promises that can be read without building it (`.ci/run` builds and runs it through
 * scripts/container-check.ts): the image runs what `npm start` runs, as a non-root user, with a health check.
 */
const root = join(import.meta.dirname, '..', '..');
const read = (f: string) => readFileSync(join(root, f), 'utf8');
const stages = parseDockerfile(read('Dockerfile'));
const runtime = stages.at(-1);
const args = (op: string) => runtime?.steps.filter((s) => s.op === op).map((s) => s.args) ?? [];

describe('container recipe', () => {
  it('builds in one stage and runs from a slim one on the same Node major as engines', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(new Set(stages.map((s) => s.from))).toEqual(new Set(['node:20-bookworm-slim']));
    const build = stages[0]?.steps.filter((s) => s.op === 'RUN').map((s) => s.args) ?? [];
    expect(build.some((r) => r.startsWith('npm ci'))).toBe(true);
    expect(build.some((r) => /npm run build && npm prune --omit=dev/.test(r))).toBe(true);
    expect(args('COPY').every((c) => c.startsWith('--from=build'))).toBe(true);
  });

  it('runs `npm start`’s node command line directly, as a non-root user, with a readiness HEALTHCHECK', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: { start: string } };
    expect(JSON.parse(args('CMD')[0] ?? '[]').join(' ')).toBe(pkg.scripts.start);
    expect(args('USER')).toEqual(['node']);
    expect(args('HEALTHCHECK')[0]).toMatch(/CMD \["resetpw", "ready"\]$/);
    expect(args('ENV')).toEqual(
      expect.arrayContaining(['HOST=0.0.0.0', 'HEALTH_PORT=3001', 'DATABASE_URL=sqlite:/app/data/resetpw.sqlite']),
    );
  });

  it('puts `resetpw` on the PATH, a link to the compiled CLI (docker run IMAGE resetpw doctor)', () => {
    const build = stages[0]?.steps.filter((s) => s.op === 'RUN').map((s) => s.args) ?? [];
    expect(build.some((r) => r.endsWith('mkdir bin && ln -s ../dist/cli/bin.js bin/resetpw'))).toBe(true);
    expect(args('COPY')).toContain('--from=build /app/bin ./bin');
    expect(args('ENV')).toContain('PATH=/app/bin:$PATH');
    expect(runtime?.steps.find((s) => s.op === 'WORKDIR')?.args).toBe('/app');
  });

  it('stops at the install when npm ci exits 0 without installing everything (npm 10, "Exit handler never called!")', () => {
    const install = stages[0]?.steps.find((s) => s.op === 'RUN' && s.args.startsWith('npm ci'))?.args ?? '';
    const check = install.replace(/^npm ci [^&]*&& /, '');
    expect(check).toMatch(/^\{ npm ls --all/);
    // What an unfinished install leaves: the lockfile's packages, one of them present.
    const dir = mkdtempSync(join(tmpdir(), 'resetpw-npm-ci-'));
    try {
      copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
      copyFileSync(join(root, 'package-lock.json'), join(dir, 'package-lock.json'));
      mkdirSync(join(dir, 'node_modules', 'zod'), { recursive: true });
      writeFileSync(join(dir, 'node_modules', 'zod', 'package.json'), '{"name":"zod","version":"0.0.0"}');
      const run = spawnSync('sh', ['-c', check], { cwd: dir, encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr.trim()).toBe(
        'npm ci did not install everything package-lock.json lists (npm ls --all names what is missing): check that the build can reach the npm registry',
      );
      // And the same check passes on a complete install (this checkout's).
      expect(spawnSync('sh', ['-c', check], { cwd: root, encoding: 'utf8' }).status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('compose: no top-level key Compose v1 rejects, and the bot gets the stop grace it is told of', () => {
    const compose = parse(read('compose.yaml')) as Record<string, unknown> & {
      services: { bot: { environment: Record<string, string>; stop_grace_period?: string } };
    };
    expect(Object.keys(compose).filter((k) => !k.startsWith('x-'))).toEqual(['services', 'volumes']);
    const { bot } = compose.services;
    expect(bot.stop_grace_period).toBe(`${bot.environment.STOP_TIMEOUT_SECONDS}s`);
    expect(args('ENV')).toContain('STOP_TIMEOUT_SECONDS=10'); // docker run's default grace
  });

  it('compose runs two replicas on PostgreSQL once it is healthy', () => {
    const compose = parse(read('compose.yaml')) as {
      services: Record<string, Record<string, unknown> & { environment?: Record<string, string> }>;
    };
    const { bot, db } = compose.services;
    expect((bot?.deploy as { replicas?: number } | undefined)?.replicas).toBe(2);
    expect(bot?.environment?.DATABASE_URL).toMatch(/^postgres:\/\/resetpw:\$\{POSTGRES_PASSWORD\}@db:5432\/resetpw$/);
    expect(bot?.depends_on).toEqual({ db: { condition: 'service_healthy' } });
    expect(String(db?.image)).toMatch(/^postgres:16/);
    expect(db?.healthcheck).toBeDefined();
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.env', 'node_modules', 'dist', 'data', '.git']) expect(ignored).toContain(entry);
  });
});
