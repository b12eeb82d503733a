/**
 * Password profiles as data, and exact counting over them. Pure: no I/O, no randomness.
 * Every character in every profile is GSM-7 basic, so the SMS stays one segment.
 */

export const PROFILE_NAMES = ['strong', 'classic', 'dictation'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface CharClass {
  readonly name: 'lower' | 'upper' | 'digit' | 'special';
  readonly chars: string;
}

/** Without look-alikes (I l 1 O 0 o): the password is read off a phone and typed by hand. */
export const UNAMBIGUOUS = {
  lower: { name: 'lower', chars: 'abcdefghijkmnpqrstuvwxyz' },
  upper: { name: 'upper', chars: 'ABCDEFGHJKLMNPQRSTUVWXYZ' },
  digit: { name: 'digit', chars: '23456789' },
  special: { name: 'special', chars: '@#$%&*!?' },
} as const satisfies Record<string, CharClass>;

/** The original concept's classes, drawn in full. */
export const CLASSIC = {
  lower: { name: 'lower', chars: 'abcdefghijklmnopqrstuvwxyz' },
  upper: { name: 'upper', chars: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' },
  digit: { name: 'digit', chars: '0123456789' },
  special: { name: 'special', chars: '@#$%&' },
} as const satisfies Record<string, CharClass>;

export type PasswordProfile =
  /** `length` characters from the union of `classes`, at least one of each. */
  | {
      readonly name: 'strong';
      readonly kind: 'atLeastOneOfEach';
      readonly length: number;
      readonly classes: readonly CharClass[];
    }
  /** Exactly `count` characters of each class, in uniformly random order. */
  | {
      readonly name: 'classic';
      readonly kind: 'exactCounts';
      readonly parts: readonly { readonly cls: CharClass; readonly count: number }[];
    }
  /** `groups` groups of `groupSize` characters from one alphabet, joined by hyphens. */
  | {
      readonly name: 'dictation';
      readonly kind: 'groups';
      readonly alphabet: CharClass;
      readonly groups: number;
      readonly groupSize: number;
    };

export interface PasswordSettings {
  readonly profile: ProfileName;
  /** strong only: 12–64. */
  readonly length: number;
  /** dictation only. */
  readonly groups: number;
}

export const PASSWORD_DEFAULTS = { profile: 'strong', length: 15, groups: 4 } as const satisfies PasswordSettings;
export const MIN_ENTROPY_BITS = 50;

export function buildProfile(s: PasswordSettings): PasswordProfile {
  switch (s.profile) {
    case 'strong':
      return { name: 'strong', kind: 'atLeastOneOfEach', length: s.length, classes: Object.values(UNAMBIGUOUS) };
    case 'classic':
      return {
        name: 'classic',
        kind: 'exactCounts',
        parts: [
          { cls: CLASSIC.lower, count: 5 },
          { cls: CLASSIC.upper, count: 1 },
          { cls: CLASSIC.digit, count: 3 },
          { cls: CLASSIC.special, count: 2 },
        ],
      };
    case 'dictation':
      return {
        name: 'dictation',
        kind: 'groups',
        alphabet: { name: 'lower', chars: UNAMBIGUOUS.lower.chars + UNAMBIGUOUS.digit.chars },
        groups: s.groups,
        groupSize: 4,
      };
  }
}

/** Characters in a password of this profile, separators included. */
export function passwordLength(p: PasswordProfile): number {
  switch (p.kind) {
    case 'atLeastOneOfEach':
      return p.length;
    case 'exactCounts':
      return p.parts.reduce((n, part) => n + part.count, 0);
    case 'groups':
      return p.groups * (p.groupSize + 1) - 1;
  }
}

/** The exact number of distinct valid passwords. */
export function countValid(p: PasswordProfile): bigint {
  switch (p.kind) {
    case 'atLeastOneOfEach':
      return countWithEveryClass(
        p.classes.map((c) => c.chars.length),
        p.length,
      );
    case 'exactCounts': {
      // Arrangements of the class layout times the choices within each class.
      let total = multinomial(p.parts.map((part) => part.count));
      for (const part of p.parts) total *= BigInt(part.cls.chars.length) ** BigInt(part.count);
      return total;
    }
    case 'groups':
      return BigInt(p.alphabet.chars.length) ** BigInt(p.groups * p.groupSize);
  }
}

/**
 * Strings of `length` over disjoint classes of the given sizes that use every class at least once, by
 * inclusion–exclusion over the set of classes left out: Σ_S (−1)^|S| (total − Σ_{c∈S} size_c)^length.
 */
export function countWithEveryClass(sizes: readonly number[], length: number): bigint {
  return countRequiring(
    sizes,
    sizes.map(() => true),
    length,
  );
}

/** As countWithEveryClass, but only the classes flagged in `required` must appear; the others may. */
export function countRequiring(sizes: readonly number[], required: readonly boolean[], length: number): bigint {
  const total = sizes.reduce((a, b) => a + b, 0);
  const must = sizes.flatMap((size, i) => (required[i] ? [size] : []));
  let sum = 0n;
  for (let mask = 0; mask < 1 << must.length; mask++) {
    let excluded = 0;
    let bits = 0;
    must.forEach((size, i) => {
      if (mask & (1 << i)) {
        excluded += size;
        bits++;
      }
    });
    const term = BigInt(total - excluded) ** BigInt(length);
    sum += bits % 2 === 0 ? term : -term;
  }
  return sum;
}

export function entropyBits(p: PasswordProfile): number {
  return log2(countValid(p));
}

/** Whether `password` is one of the profile's valid strings (ignores the per-employee blocklist). */
export function satisfiesProfile(p: PasswordProfile, password: string): boolean {
  const chars = [...password];
  switch (p.kind) {
    case 'atLeastOneOfEach':
      return (
        chars.length === p.length &&
        chars.every((ch) => p.classes.some((c) => c.chars.includes(ch))) &&
        p.classes.every((c) => chars.some((ch) => c.chars.includes(ch)))
      );
    case 'exactCounts':
      return (
        chars.length === passwordLength(p) &&
        chars.every((ch) => p.parts.some((part) => part.cls.chars.includes(ch))) &&
        p.parts.every((part) => chars.filter((ch) => part.cls.chars.includes(ch)).length === part.count)
      );
    case 'groups': {
      const groups = password.split('-');
      return (
        groups.length === p.groups &&
        groups.every((g) => g.length === p.groupSize && [...g].every((ch) => p.alphabet.chars.includes(ch)))
      );
    }
  }
}

function multinomial(counts: readonly number[]): bigint {
  let result = factorial(counts.reduce((a, b) => a + b, 0));
  for (const c of counts) result /= factorial(c);
  return result;
}

function factorial(n: number): bigint {
  let r = 1n;
  for (let i = 2n; i <= BigInt(n); i++) r *= i;
  return r;
}

/** log2 of a BigInt too large for a double, from its top 53 bits. */
export function log2(n: bigint): number {
  if (n <= 0n) return Number.NEGATIVE_INFINITY;
  const bitLength = n.toString(2).length;
  const shift = Math.max(bitLength - 53, 0);
  return shift + Math.log2(Number(n >> BigInt(shift)));
}
