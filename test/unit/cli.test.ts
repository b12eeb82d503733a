import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { buildProfile, PASSWORD_DEFAULTS, satisfiesProfile } from '../../src/domain/password-policy.js';

async function cli(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    env,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('resetpw policy', () => {
  it('needs no Slack or Twilio configuration and describes the default profile', async () => {
    const { code, out } = await cli(['policy', '--samples', '3']);
    expect(code).toBe(0);
    expect(out).toContain('Password profile: strong');
    expect(out).toContain('Entropy: 89.6 bits');
    for (const cls of ['lower        24', 'upper        24', 'digit         8', 'special       8'])
      expect(out).toContain(cls);
    const samples =
      out
        .split('Samples (3):\n')[1]
        ?.split('\n')
        .map((s) => s.trim()) ?? [];
    expect(samples).toHaveLength(3);
    for (const s of samples) expect(satisfiesProfile(buildProfile(PASSWORD_DEFAULTS), s)).toBe(true);
  });

  it('prints one JSON object with --json', async () => {
    const { code, out } = await cli(['policy', '--json', '--samples', '4'], { PASSWORD_PROFILE: 'classic' });
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(Object.keys(report)).toEqual(['profile', 'length', 'entropyBits', 'samples']);
    expect(report).toMatchObject({ profile: 'classic', length: 11 });
    expect(report.entropyBits).toBeCloseTo(57.6, 1);
    expect(report.samples).toHaveLength(4);
    const dictation = JSON.parse(
      (await cli(['policy', '--json'], { PASSWORD_PROFILE: 'dictation', PASSWORD_GROUPS: '5' })).out,
    );
    expect(dictation).toMatchObject({ profile: 'dictation', length: 24, entropyBits: 100 });
    expect(dictation.samples[0]).toMatch(/^([a-z2-9]{4}-){4}[a-z2-9]{4}$/);
  });

  it('exits 1 with the config message for a weak or bad policy, 2 for bad usage', async () => {
    const weak = await cli(['policy'], { PASSWORD_PROFILE: 'dictation', PASSWORD_GROUPS: '2' });
    expect(weak.code).toBe(1);
    expect(weak.err).toContain('under the 50-bit floor');
    expect((await cli(['policy'], { PASSWORD_LENGTH: '99' })).err).toContain('PASSWORD_LENGTH must be at most 64');
    expect((await cli(['policy', '--samples', 'many'])).code).toBe(2);
    expect((await cli(['policy', '--bogus'])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli([])).code).toBe(2);
    expect(await cli(['help'])).toMatchObject({ code: 0, out: expect.stringContaining('Usage: resetpw') });
  });

  it('runs as the package bin with an empty environment', async () => {
    const root = join(import.meta.dirname, '..', '..');
    const res = spawnSync(
      process.execPath,
      [
        '--import',
        pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href,
        join(root, 'src/cli/bin.ts'),
        'policy',
        '--json',
      ],
      { cwd: mkdtempSync(join(tmpdir(), 'resetpw-cli-')), env: { PATH: process.env.PATH }, encoding: 'utf8' },
    );
    expect(res.status).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ profile: 'strong', length: 15 });
  });
});
