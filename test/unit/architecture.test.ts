import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The composition root, in four files: nothing inside may import it. */
const ROOT = ['bot.ts', 'wiring.ts', 'wiring-follow-ups.ts', 'wiring-verification.ts'];

/** Import structure of src/: no cycles (type imports included), and the inner layers never reach outward. */
const SRC = resolve(import.meta.dirname, '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function localImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)].map((m) => m[1] ?? '');
  return specs.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

const graph = new Map(sources(SRC).map((f) => [f, localImports(f)]));
const name = (f: string) => relative(SRC, f);

describe('architecture', () => {
  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].map(name).join(' → '));
        return;
      }
      state.set(f, 'open');
      for (const next of graph.get(f) ?? []) visit(next, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('keeps the domain and the ports free of adapters, services, listeners and views', () => {
    const inner = [...graph.keys()].filter((f) => /^(domain|ports)\//.test(name(f)));
    const outward = inner.flatMap((f) =>
      (graph.get(f) ?? [])
        .filter((t) => /^(adapters|services|listeners|views|store|cli)\//.test(name(t)) || ROOT.includes(name(t)))
        .map((t) => `${name(f)} → ${name(t)}`),
    );
    expect(outward).toEqual([]);
  });

  it('keeps words out of the use cases: services hand outcomes to ports, the Slack side words them', () => {
    const services = [...graph.keys()].filter((f) => name(f).startsWith('services/'));
    const wording = services.flatMap((f) =>
      (graph.get(f) ?? [])
        .filter((t) => /^(views|listeners|adapters)\//.test(name(t)) || name(t) === 'user-messages.ts')
        .map((t) => `${name(f)} → ${name(t)}`),
    );
    expect(wording).toEqual([]);
  });

  it('keeps SDK names out of the use cases: Twilio and LDAP stay in their adapters', () => {
    const services = [...graph.keys()].filter((f) => name(f).startsWith('services/'));
    const sdkImports = services.filter((f) => /from '(twilio|ldapts)/.test(readFileSync(f, 'utf8'))).map(name);
    expect(sdkImports).toEqual([]);
  });
});
