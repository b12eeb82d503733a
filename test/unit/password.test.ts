import { describe, expect, it } from 'vitest';
import { isGsm7Basic } from '../../src/domain/gsm7.js';
import { CHARACTER_CLASSES, createPasswordGenerator } from '../../src/domain/password.js';
import { composeSmsText } from '../../src/domain/sms-text.js';

const ALPHABET = new Set(Object.values(CHARACTER_CLASSES).join(''));

describe('createPasswordGenerator', () => {
  const gen = createPasswordGenerator();

  it('draws 16 characters with every class, no look-alikes, GSM-7 only, all distinct over 2,000 draws', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const p = gen.generate();
      expect(p).toHaveLength(16);
      for (const cls of Object.values(CHARACTER_CLASSES)) expect([...p].some((c) => cls.includes(c))).toBe(true);
      expect([...p].every((c) => ALPHABET.has(c))).toBe(true);
      expect(p).not.toMatch(/[Il1O0o]/);
      expect(isGsm7Basic(p)).toBe(true);
      seen.add(p);
    }
    expect(seen.size).toBe(2000);
  });

  it('rejects whole strings that miss a class instead of patching them', () => {
    // A scripted RNG: first draw is all 'a' (lower only), second is valid; the first must be thrown away whole.
    const script = [...Array(16).fill(0), 0, 24, 48, 56, ...Array(12).fill(1)];
    let i = 0;
    const gen16 = createPasswordGenerator(16, () => script[i++] ?? 0);
    expect(gen16.generate()).toBe(`aA2@${'b'.repeat(12)}`);
    expect(i).toBe(32);
  });

  it('refuses lengths under 15', () => {
    expect(() => createPasswordGenerator(14)).toThrow(RangeError);
  });
});

describe('composeSmsText', () => {
  it('fits one GSM-7 segment and says the password is temporary', () => {
    const text = composeSmsText('Maximiliana-Josefina Featherstonehaugh', '@'.repeat(16));
    expect(isGsm7Basic(text)).toBe(true);
    expect(text.length).toBeLessThanOrEqual(160);
    expect(text).toContain('temporary password');
    expect(text).toMatch(/expires/);
  });

  it('greets by first name, dropping accents, and falls back when the name is not GSM-7', () => {
    expect(composeSmsText('José Núñez', 'x')).toMatch(/^Hi Jose,/);
    expect(composeSmsText('李 小龙', 'x')).toMatch(/^Hello,/);
    expect(isGsm7Basic(composeSmsText('Zoë {admin}', 'x'))).toBe(true);
  });
});

describe('isGsm7Basic', () => {
  it('rejects characters that need the extension table or UCS-2', () => {
    for (const c of ['{', '}', '[', ']', '~', '\\', '^', '|', '€', 'ë', '😀']) expect(isGsm7Basic(c)).toBe(false);
    expect(isGsm7Basic('@£$¥ Hello #%&*!?')).toBe(true);
  });
});
