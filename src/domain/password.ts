import { randomInt } from 'node:crypto';

/**
 * Temporary-password generation behind a narrow interface. Look-alikes (I l 1 O 0 o) are left out because
 * the password is read off a phone and typed by hand; every character is GSM-7 basic so the SMS stays one segment.
 */
export interface PasswordGenerator {
  generate(): string;
}

export const CHARACTER_CLASSES = {
  lower: 'abcdefghijkmnpqrstuvwxyz',
  upper: 'ABCDEFGHJKLMNPQRSTUVWXYZ',
  digit: '23456789',
  special: '@#$%&*!?',
} as const;

const ALPHABET = Object.values(CHARACTER_CLASSES).join('');

/** `randomInt(max)` must be uniform on [0, max) and cryptographically strong; injectable for tests. */
export type RandomInt = (max: number) => number;

export function createPasswordGenerator(length = 16, rnd: RandomInt = randomInt): PasswordGenerator {
  if (!Number.isInteger(length) || length < 15) throw new RangeError('password length must be an integer >= 15');
  return {
    generate() {
      // Rejecting whole strings that miss a class keeps the draw uniform over all valid passwords,
      // unlike seeding one character per class and shuffling.
      for (;;) {
        let candidate = '';
        for (let i = 0; i < length; i++) candidate += ALPHABET.charAt(rnd(ALPHABET.length));
        if (Object.values(CHARACTER_CLASSES).every((cls) => [...candidate].some((c) => cls.includes(c)))) {
          return candidate;
        }
      }
    },
  };
}
