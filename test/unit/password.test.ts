import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGsm7Basic } from '../../src/domain/gsm7.js';
import { contextBlocklist, createPasswordGenerator, PasswordGenerationError } from '../../src/domain/password.js';
import {
  buildProfile,
  countRequiring,
  countValid,
  countWithEveryClass,
  entropyBits,
  PASSWORD_DEFAULTS,
  type PasswordProfile,
  passwordLength,
  satisfiesProfile,
  UNAMBIGUOUS,
} from '../../src/domain/password-policy.js';
import { composeSmsText } from '../../src/domain/sms-text.js';
import { chiSquare, chiSquareCritical, seededRandomInt } from '../helpers/seeded-rng.js';

const settingsArb = fc.oneof(
  fc.record({
    profile: fc.constant('strong' as const),
    length: fc.integer({ min: 12, max: 64 }),
    groups: fc.constant(4),
  }),
  fc.record({ profile: fc.constant('classic' as const), length: fc.constant(15), groups: fc.constant(4) }),
  fc.record({
    profile: fc.constant('dictation' as const),
    length: fc.constant(15),
    groups: fc.integer({ min: 2, max: 16 }),
  }),
);
const contextArb = fc.record({
  employeeName: fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('Jane Doe', 'José Núñez', 'Ab', 'Aaron Abbott-Smith'),
  ),
  employeeCode: fc.oneof(fc.stringMatching(/^[A-Za-z0-9-]{1,32}$/), fc.constantFrom('E-1042', 'abc', '2345')),
});

describe('password profiles (property tests)', () => {
  it('every draw satisfies its profile, is GSM-7, avoids the context and fits one SMS', () => {
    fc.assert(
      fc.property(settingsArb, contextArb, fc.integer(), (settings, context, seed) => {
        const profile = buildProfile(settings);
        const gen = createPasswordGenerator(profile, seededRandomInt(seed));
        const banned = contextBlocklist(context);
        for (let i = 0; i < 20; i++) {
          const p = gen.generate(context);
          expect(p).toHaveLength(passwordLength(profile));
          expect(satisfiesProfile(profile, p)).toBe(true);
          expect(isGsm7Basic(p)).toBe(true);
          for (const b of banned) expect(p.toLowerCase()).not.toContain(b);
          for (const changeAtFirstLogin of [true, false]) {
            const sms = composeSmsText(context.employeeName, p, { changeAtFirstLogin });
            expect(sms).toContain(p);
            expect(sms.length).toBeLessThanOrEqual(160);
            expect(isGsm7Basic(sms)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('strong has no look-alikes and needs every class', () => {
    const p = buildProfile(PASSWORD_DEFAULTS);
    const gen = createPasswordGenerator(p);
    for (let i = 0; i < 1000; i++) expect(gen.generate()).not.toMatch(/[Il1O0o]/);
    expect(satisfiesProfile(p, 'abcdefghijkmnpq')).toBe(false);
    expect(satisfiesProfile(p, 'aA2@bcdefghijkm')).toBe(true);
    expect(satisfiesProfile(p, 'aA2@bcdefghijkl')).toBe(false); // 'l' is a look-alike
  });

  it('builds the blocklist from name parts of 3+ letters and 3-character runs of the code', () => {
    expect(contextBlocklist({ employeeName: 'José Al Núñez-Smith', employeeCode: 'E-1042' }).sort()).toEqual(
      ['jose', 'nunez', 'smith', 'e-1', '-10', '104', '042'].sort(),
    );
  });

  it('redraws a candidate that contains a blocked fragment, and gives up loudly rather than loop forever', () => {
    const p: PasswordProfile = {
      name: 'strong',
      kind: 'atLeastOneOfEach',
      length: 3,
      classes: [{ name: 'lower', chars: 'ab' }],
    };
    const script = [1, 1, 1, 0, 1, 1]; // "bbb" (the code itself) first, then "abb"
    let i = 0;
    const gen = createPasswordGenerator(p, () => script[i++] ?? 0, 5);
    expect(gen.generate({ employeeName: 'x', employeeCode: 'BBB' })).toBe('abb');
    expect(i).toBe(6);
    const stuck = createPasswordGenerator(p, () => 1, 5);
    expect(() => stuck.generate({ employeeName: 'x', employeeCode: 'bbb' })).toThrow(PasswordGenerationError);
  });
});

describe('exact counting', () => {
  function bruteForce(alphabet: string, length: number, valid: (s: string) => boolean): bigint {
    let n = 0n;
    const walk = (prefix: string) => {
      if (prefix.length === length) {
        if (valid(prefix)) n++;
        return;
      }
      for (const ch of alphabet) walk(prefix + ch);
    };
    walk('');
    return n;
  }

  it('inclusion–exclusion matches enumeration on small alphabets', () => {
    const classes = ['ab', 'C', 'de1', '#'];
    for (let take = 1; take <= classes.length; take++) {
      const used = classes.slice(0, take);
      for (let length = 1; length <= 6; length++) {
        const expected = bruteForce(used.join(''), length, (s) =>
          used.every((c) => [...s].some((ch) => c.includes(ch))),
        );
        expect(
          countWithEveryClass(
            used.map((c) => c.length),
            length,
          ),
        ).toBe(expected);
      }
    }
  });

  it('counts each profile kind as enumeration does', () => {
    const exact: PasswordProfile = {
      name: 'classic',
      kind: 'exactCounts',
      parts: [
        { cls: { name: 'lower', chars: 'abc' }, count: 2 },
        { cls: { name: 'digit', chars: '12' }, count: 1 },
        { cls: { name: 'special', chars: '#' }, count: 2 },
      ],
    };
    expect(countValid(exact)).toBe(bruteForce('abc12#', 5, (s) => satisfiesProfile(exact, s)));
    const groups: PasswordProfile = {
      name: 'dictation',
      kind: 'groups',
      alphabet: { name: 'lower', chars: 'xyz' },
      groups: 2,
      groupSize: 2,
    };
    expect(countValid(groups)).toBe(27n * 3n);
  });

  it('reports 57.6 bits for classic, over 80 for default strong, 80 for default dictation', () => {
    expect(entropyBits(buildProfile({ ...PASSWORD_DEFAULTS, profile: 'classic' }))).toBeCloseTo(57.6, 1);
    const strong = entropyBits(buildProfile(PASSWORD_DEFAULTS));
    expect(strong).toBeGreaterThan(80);
    expect(strong).toBeLessThan(15 * 6); // a 64-symbol alphabet, less the strings missing a class
    expect(entropyBits(buildProfile({ ...PASSWORD_DEFAULTS, profile: 'dictation' }))).toBe(80);
  });
});

describe('uniformity (seeded RNG, 100,000 draws)', () => {
  const profile = buildProfile(PASSWORD_DEFAULTS) as Extract<PasswordProfile, { kind: 'atLeastOneOfEach' }>;
  const sizes = profile.classes.map((c) => c.chars.length);
  const total = countValid(profile);
  const L = profile.length;
  const DRAWS = 100_000;
  const draws = (() => {
    const gen = createPasswordGenerator(profile, seededRandomInt(20261125));
    return Array.from({ length: DRAWS }, () => gen.generate());
  })();

  /** Exact probability of each class count 1..L for class `c`, under the uniform law over valid strings. */
  function classCountLaw(c: number): number[] {
    const others = sizes.filter((_, i) => i !== c);
    return Array.from({ length: L + 1 }, (_, k) => {
      if (k === 0) return 0;
      const ways = binomial(L, k) * BigInt(sizes[c] as number) ** BigInt(k) * countWithEveryClass(others, L - k);
      return Number((ways * 10n ** 12n) / total) / 1e12;
    });
  }

  function classCountChiSquare(sample: readonly string[], c: number): { stat: number; critical: number } {
    const chars = profile.classes[c]?.chars ?? '';
    const observed = Array<number>(L + 1).fill(0);
    for (const p of sample) {
      const k = [...p].filter((ch) => chars.includes(ch)).length;
      observed[k] = (observed[k] ?? 0) + 1;
    }
    const law = classCountLaw(c);
    // Pool the tail bins whose expectation is under 5.
    const obs: number[] = [];
    const exp: number[] = [];
    for (let k = 1; k <= L; k++) {
      const e = (law[k] ?? 0) * sample.length;
      if (exp.length > 0 && (e < 5 || (exp.at(-1) ?? 0) < 5)) {
        exp[exp.length - 1] = (exp.at(-1) ?? 0) + e;
        obs[obs.length - 1] = (obs.at(-1) ?? 0) + (observed[k] ?? 0);
      } else {
        exp.push(e);
        obs.push(observed[k] ?? 0);
      }
    }
    return { stat: chiSquare(obs, exp), critical: chiSquareCritical(exp.length - 1) };
  }

  it('each position is distributed as the exact marginal law', () => {
    const alphabet = profile.classes.map((c) => c.chars).join('');
    // P(char x at a given position) for x in class c: the other L-1 positions must supply every other class.
    const perChar = profile.classes.map((_, c) => {
      const ways = countRequiring(
        sizes,
        sizes.map((__, i) => i !== c),
        L - 1,
      );
      return Number((ways * 10n ** 12n) / total) / 1e12;
    });
    const expected = [...alphabet].map((ch) => {
      const c = profile.classes.findIndex((cls) => cls.chars.includes(ch));
      return (perChar[c] ?? 0) * DRAWS;
    });
    expect(expected.reduce((a, b) => a + b, 0)).toBeCloseTo(DRAWS, 3);
    for (let pos = 0; pos < L; pos++) {
      const observed = Array<number>(alphabet.length).fill(0);
      for (const p of draws) {
        const x = alphabet.indexOf(p[pos] as string);
        observed[x] = (observed[x] ?? 0) + 1;
      }
      expect(chiSquare(observed, expected)).toBeLessThan(chiSquareCritical(alphabet.length - 1));
    }
  });

  it('the class counts follow the exact combinatorial law', () => {
    for (let c = 0; c < sizes.length; c++) {
      const { stat, critical } = classCountChiSquare(draws, c);
      expect(stat).toBeLessThan(critical);
    }
  });

  it('the same check catches the seed-one-per-class-and-shuffle generator', () => {
    const rnd = seededRandomInt(7);
    const alphabet = profile.classes.map((c) => c.chars).join('');
    const biased = Array.from({ length: DRAWS }, () => {
      const chars = profile.classes.map((c) => c.chars.charAt(rnd(c.chars.length)));
      while (chars.length < L) chars.push(alphabet.charAt(rnd(alphabet.length)));
      for (let i = chars.length - 1; i > 0; i--) {
        const j = rnd(i + 1);
        [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
      }
      return chars.join('');
    });
    const digits = classCountChiSquare(biased, profile.classes.indexOf(UNAMBIGUOUS.digit));
    expect(digits.stat).toBeGreaterThan(digits.critical * 10);
  });

  it('gives every valid string of a small profile the same frequency', () => {
    const tiny: PasswordProfile = {
      name: 'strong',
      kind: 'atLeastOneOfEach',
      length: 3,
      classes: [
        { name: 'lower', chars: 'ab' },
        { name: 'upper', chars: 'CD' },
        { name: 'digit', chars: '2' },
      ],
    };
    const n = Number(countValid(tiny));
    expect(n).toBe(24);
    const gen = createPasswordGenerator(tiny, seededRandomInt(99));
    const freq = new Map<string, number>();
    for (let i = 0; i < n * 5000; i++) {
      const p = gen.generate();
      freq.set(p, (freq.get(p) ?? 0) + 1);
    }
    expect(freq.size).toBe(n);
    expect(chiSquare([...freq.values()], Array(n).fill(5000))).toBeLessThan(chiSquareCritical(n - 1));
  });
});

describe('production RNG', () => {
  it.each(['strong', 'classic', 'dictation'] as const)('%s: no duplicates in 100,000 draws', (name) => {
    const gen = createPasswordGenerator(buildProfile({ ...PASSWORD_DEFAULTS, profile: name }));
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(gen.generate());
    expect(seen.size).toBe(100_000);
  });
});

describe('composeSmsText', () => {
  const directory = { changeAtFirstLogin: true };
  const textOnly = { changeAtFirstLogin: false };

  it('fits one GSM-7 segment and says the password is temporary', () => {
    for (const options of [directory, textOnly]) {
      const text = composeSmsText('Maximiliana-Josefina Featherstonehaugh', '@'.repeat(16), options);
      expect(isGsm7Basic(text)).toBe(true);
      expect(text.length).toBeLessThanOrEqual(160);
      expect(text).toContain('temporary password');
    }
  });

  it('says a new password is needed at first login only when a directory forces it', () => {
    expect(composeSmsText('Jane Doe', 'Tq7#kP2@wX9$mN4&', directory)).toBe(
      'Hi Jane, your temporary password is:\nTq7#kP2@wX9$mN4&\nYou must choose a new one when you first log in. IT will never ask you for it.',
    );
    const plain = composeSmsText('Jane Doe', 'Tq7#kP2@wX9$mN4&', textOnly);
    expect(plain).toBe('Hi Jane, your temporary password is:\nTq7#kP2@wX9$mN4&\nIT will never ask you for it.');
    expect(plain).not.toMatch(/expire|login|log in/i);
  });

  it('greets by first name, dropping accents, and falls back when the name is not GSM-7', () => {
    expect(composeSmsText('José Núñez', 'x', directory)).toMatch(/^Hi Jose,/);
    expect(composeSmsText('李 小龙', 'x', directory)).toMatch(/^Hello,/);
    expect(isGsm7Basic(composeSmsText('Zoë {admin}', 'x', directory))).toBe(true);
  });

  it('shortens the wording for the longest passwords', () => {
    const long = 'x'.repeat(79);
    for (const options of [directory, textOnly]) {
      const text = composeSmsText('Maximiliana Featherstonehaugh', long, options);
      expect(text).toContain(long);
      expect(text.length).toBeLessThanOrEqual(160);
      if (options.changeAtFirstLogin) expect(text).toMatch(/first login/);
    }
  });
});

describe('isGsm7Basic', () => {
  it('rejects characters that need the extension table or UCS-2', () => {
    for (const c of ['{', '}', '[', ']', '~', '\\', '^', '|', '€', 'ë', '😀']) expect(isGsm7Basic(c)).toBe(false);
    expect(isGsm7Basic('@£$¥ Hello #%&*!?')).toBe(true);
  });
});

function binomial(n: number, k: number): bigint {
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
  return r;
}
