import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * deploy/resetpw.service's promises that can be read without systemd (`systemd-analyze verify` is not called: CI has
 * no systemd): it runs what `npm start` runs, and tells the bot the stop timeout systemd keeps, so that in-flight
 * resets are drained and reported before SIGKILL.
 */
const root = join(import.meta.dirname, '..', '..');
const read = (f: string) => readFileSync(join(root, f), 'utf8');
const unit = read('deploy/resetpw.service');
const pkg = JSON.parse(read('package.json')) as { scripts: { start: string } };

/** One section's settings in order, every value of a repeated key (Environment=) kept; comments and blanks dropped. */
function section(text: string, name: string): [key: string, value: string][] {
  const settings: [string, string][] = [];
  let current = '';
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) current = header[1] ?? '';
    else if (current === name) {
      const eq = line.indexOf('=');
      settings.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
    }
  }
  return settings;
}

const service = section(unit, 'Service');
const values = (key: string) => service.filter(([k]) => k === key).map(([, v]) => v);
const only = (key: string) => {
  expect(values(key), key).toHaveLength(1);
  return values(key)[0] ?? '';
};
/** Environment= lines, each holding one or more NAME=value words (double quotes allowed). */
const environment = new Map(
  values('Environment')
    .flatMap((v) => [...v.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? ''))
    .map((word) => [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]),
);

const start = pkg.scripts.start.split(/\s+/);
const exec = only('ExecStart').split(/\s+/);
const flags = (argv: string[]) => argv.filter((a) => a.startsWith('--'));
const entry = (argv: string[]) => argv.slice(1).filter((a) => !a.startsWith('-'));

describe('systemd unit', () => {
  it('runs node with exactly the flags of npm start', () => {
    expect(start[0]).toBe('node');
    expect(exec[0], 'ExecStart needs an absolute path to node').toMatch(/^\/\S*\/node$/);
    expect(flags(exec)).toEqual(flags(start));
    expect(flags(start).length).toBeGreaterThan(0);
  });

  it('runs the entry npm start runs, from the installed app', () => {
    expect(entry(exec)).toEqual(entry(start));
    expect(entry(exec)).toEqual(['dist/index.js']);
    expect(exec.slice(1)).toEqual(start.slice(1));
    expect(only('WorkingDirectory')).toBe('/opt/resetpw');
    expect(only('Type')).toBe('simple');
  });

  it('gives the bot the stop timeout systemd keeps, and stops it with the signal it drains on', () => {
    const timeout = /^(\d+)s?$/.exec(only('TimeoutStopSec'))?.[1];
    expect(timeout, 'TimeoutStopSec in plain seconds').toBeDefined();
    expect(environment.get('STOP_TIMEOUT_SECONDS')).toBe(timeout);
    expect(only('KillSignal')).toBe('SIGTERM');
  });

  it('runs as its own user and keeps the SQLite store in its state directory', () => {
    expect(only('User')).toBe('resetpw');
    expect(environment.get('DATABASE_URL')).toBe(`sqlite:/var/lib/${only('StateDirectory')}/resetpw.sqlite`);
    expect(only('ProtectSystem')).toBe('strict');
  });
});
