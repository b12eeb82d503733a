import { describe, expect, it } from 'vitest';
import { emailAsHeld, lookupEmail, MAX_EMAIL_LENGTH, sameEmail } from '../../src/domain/email.js';
import { AppError, ErrorCode } from '../../src/errors.js';
import { toUserMessage } from '../../src/user-messages.js';

const refusal = (email: string): AppError => {
  try {
    lookupEmail(email);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error(`${JSON.stringify(email)} was accepted`);
};

describe('email addresses', () => {
  it('reads a held email trimmed, and blanks or non-text as none', () => {
    expect(emailAsHeld('  Ann@Example.com\t')).toBe('Ann@Example.com');
    for (const none of ['', '   ', undefined, null, 42, ['a@b.c']]) expect(emailAsHeld(none)).toBeUndefined();
  });

  it('accepts what can be an address, trimmed, with the characters addresses may hold', () => {
    expect(lookupEmail(' ann@example.com ')).toBe('ann@example.com');
    for (const ok of ["o'neil+tag@example.com", '"jo doe"@example.com', '*)(uid=*@x', 'a@b']) {
      expect(lookupEmail(ok)).toBe(ok);
    }
    expect(lookupEmail(`${'a'.repeat(MAX_EMAIL_LENGTH - 4)}@b.c`)).toHaveLength(MAX_EMAIL_LENGTH);
  });

  it.each([
    ['', 'no_at'],
    ['*)(uid=*', 'no_at'],
    ['@example.com', 'no_at'],
    ['ann@', 'no_at'],
    [`${'a'.repeat(MAX_EMAIL_LENGTH - 3)}@b.c`, 'too_long'],
    ['ann@exa\nmple.com', 'hidden_character'],
    ['ann\u0000@example.com', 'hidden_character'],
    ['ann\u202e@example.com', 'hidden_character'],
  ])('refuses %j (%s) with words that do not repeat it', (email, reason) => {
    const err = refusal(email);
    expect(err.code).toBe(ErrorCode.InvalidEmail);
    expect(err.details.reason).toBe(reason);
    const words = toUserMessage(err, { directory: { kind: 'okta', label: 'Okta' } });
    expect(words.text).toMatch(/Okta was not asked/);
    expect(words.text).not.toContain('(it cannot be an address)');
  });

  it('compares exactly, without regard to case or surrounding blanks', () => {
    expect(sameEmail(' Ann@Example.COM ', 'ann@example.com')).toBe(true);
    expect(sameEmail('ann@example.com', 'ann@example.co')).toBe(false);
    expect(sameEmail('xann@example.com', 'ann@example.com')).toBe(false);
    expect(sameEmail(undefined, 'ann@example.com')).toBe(false);
  });
});
