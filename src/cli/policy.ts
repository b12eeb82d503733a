import type { Env } from '../config/env.js';
import { parsePasswordConfig } from '../config/password.js';
import { createPasswordGenerator, type RandomInt } from '../domain/password.js';
import { countValid, MIN_ENTROPY_BITS, type PasswordProfile, passwordLength } from '../domain/password-policy.js';

export interface PolicyReport {
  readonly profile: string;
  readonly length: number;
  readonly entropyBits: number;
  readonly samples: readonly string[];
}

/** `resetpw policy`: the active password profile from the password variables alone, with sample draws. */
export function policyReport(env: Env, samples: number, rnd?: RandomInt): { report: PolicyReport; text: string } {
  const { profile, entropyBits } = parsePasswordConfig(env);
  const gen = createPasswordGenerator(profile, rnd);
  const report: PolicyReport = {
    profile: profile.name,
    length: passwordLength(profile),
    entropyBits: Number(entropyBits.toFixed(2)),
    samples: Array.from({ length: samples }, () => gen.generate()),
  };
  const count = countValid(profile);
  const text = [
    `Password profile: ${profile.name}`,
    `  ${shape(profile)}`,
    '',
    '  class      size  characters',
    ...classes(profile).map(
      ([name, chars, rule]) => `  ${name.padEnd(9)} ${String(chars.length).padStart(5)}  ${chars}${rule}`,
    ),
    '',
    `Valid passwords: ${Number(count).toExponential(2)} (exactly ${count})`,
    `Entropy: ${entropyBits.toFixed(1)} bits (the floor is ${MIN_ENTROPY_BITS}; every valid password is equally likely)`,
    'Every character is in the GSM-7 basic set, so the text stays one SMS segment.',
    '',
    `Samples (${samples}):`,
    ...report.samples.map((s) => `  ${s}`),
  ].join('\n');
  return { report, text };
}

function shape(p: PasswordProfile): string {
  switch (p.kind) {
    case 'atLeastOneOfEach':
      return `${p.length} characters, at least one from each class, no look-alikes (I l 1 O 0 o)`;
    case 'exactCounts':
      return `${passwordLength(p)} characters: ${p.parts.map((x) => `${x.count} ${x.cls.name}`).join(', ')}, in random order`;
    case 'groups':
      return `${p.groups} groups of ${p.groupSize} joined by hyphens (${passwordLength(p)} characters), no look-alikes`;
  }
}

function classes(p: PasswordProfile): [string, string, string][] {
  switch (p.kind) {
    case 'atLeastOneOfEach':
      return p.classes.map((c) => [c.name, c.chars, '']);
    case 'exactCounts':
      return p.parts.map((x) => [x.cls.name, x.cls.chars, `  (exactly ${x.count})`]);
    case 'groups':
      return [['alphabet', p.alphabet.chars, '']];
  }
}
