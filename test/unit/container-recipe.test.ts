import { readFileSync } from 'node:fs';
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
    expect(args('HEALTHCHECK')[0]).toMatch(/CMD \["node", "dist\/cli\/bin\.js", "ready"\]$/);
    expect(args('ENV')).toEqual(
      expect.arrayContaining(['HOST=0.0.0.0', 'HEALTH_PORT=3001', 'DATABASE_URL=sqlite:/app/data/resetpw.sqlite']),
    );
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
