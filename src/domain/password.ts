import { randomInt } from 'node:crypto';
import type { PasswordProfile } from './password-policy.js';

/** Who the password is for: it must not contain their name or code (coworkers know both). */
export interface PasswordContext {
  readonly employeeName: string;
  readonly employeeCode: string;
}

export interface PasswordGenerator {
  readonly profile: PasswordProfile;
  generate(context?: PasswordContext): string;
}

/** `rnd(max)` must be uniform on [0, max) and, in production, cryptographically strong. */
export type RandomInt = (max: number) => number;

export class PasswordGenerationError extends Error {
  constructor() {
    super('Could not draw a password that avoids the employee name and code');
    this.name = 'PasswordGenerationError';
  }
}

/**
 * Draws uniformly over the profile's valid strings that avoid the context blocklist. Every rule is enforced by
 * redrawing the whole string (never by patching it, and never by seeding one character per class and shuffling,
 * which is biased), so each allowed password is exactly as likely as any other.
 */
export function createPasswordGenerator(profile: PasswordProfile, rnd: RandomInt = randomInt, maxAttempts = 10_000) {
  const draw = drawer(profile, rnd);
  return {
    profile,
    generate(context?: PasswordContext): string {
      const banned = context ? contextBlocklist(context) : [];
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const candidate = draw();
        if (banned.length === 0) return candidate;
        const lower = candidate.toLowerCase();
        if (!banned.some((b) => lower.includes(b))) return candidate;
      }
      throw new PasswordGenerationError();
    },
  } satisfies PasswordGenerator;
}

/** Lower-cased fragments a password must not contain: name parts of 3+ letters, every 3-character run of the code. */
export function contextBlocklist({ employeeName, employeeCode }: PasswordContext): string[] {
  const name = employeeName.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const parts = name.split(/\P{L}+/u).filter((p) => p.length >= 3);
  const code = employeeCode.toLowerCase();
  const runs: string[] = [];
  for (let i = 0; i + 3 <= code.length; i++) runs.push(code.slice(i, i + 3));
  return [...new Set([...parts, ...runs])];
}

function drawer(p: PasswordProfile, rnd: RandomInt): () => string {
  const pick = (chars: string) => chars.charAt(rnd(chars.length));
  switch (p.kind) {
    case 'atLeastOneOfEach': {
      const alphabet = p.classes.map((c) => c.chars).join('');
      const classOf = new Map<string, number>();
      p.classes.forEach((c, i) => {
        for (const ch of c.chars) classOf.set(ch, i);
      });
      const everyClass = (1 << p.classes.length) - 1;
      return () => {
        for (;;) {
          let s = '';
          let seen = 0;
          for (let i = 0; i < p.length; i++) {
            const ch = pick(alphabet);
            s += ch;
            seen |= 1 << (classOf.get(ch) ?? 0);
          }
          if (seen === everyClass) return s;
        }
      };
    }
    case 'exactCounts': {
      const layout = p.parts.flatMap((part) => Array<string>(part.count).fill(part.cls.chars));
      return () => {
        // Fisher–Yates over the class layout: every arrangement equally likely.
        const slots = [...layout];
        for (let i = slots.length - 1; i > 0; i--) {
          const j = rnd(i + 1);
          [slots[i], slots[j]] = [slots[j] as string, slots[i] as string];
        }
        return slots.map(pick).join('');
      };
    }
    case 'groups':
      return () => {
        const groups: string[] = [];
        for (let g = 0; g < p.groups; g++) {
          let s = '';
          for (let i = 0; i < p.groupSize; i++) s += pick(p.alphabet.chars);
          groups.push(s);
        }
        return groups.join('-');
      };
  }
}
