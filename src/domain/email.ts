import { AppError, ErrorCode } from '../errors.js';
import { hasHiddenCharacters } from './text.js';

/**
 * Email addresses as the directories hold them. The bot only ever compares them; it never sends mail.
 */

/** The longest address a mail path can carry (RFC 5321's 256, less the angle brackets). */
export const MAX_EMAIL_LENGTH = 254;

/** The email a directory returned, trimmed; undefined when there is none (missing, not text, or only blanks). */
export function emailAsHeld(value: unknown): string | undefined {
  const email = typeof value === 'string' ? value.trim() : '';
  return email === '' ? undefined : email;
}

/**
 * The address a lookup by email asks for, checked before any directory sees it: trimmed, and refused with
 * INVALID_EMAIL when it cannot be one (no `@` with text on each side, a control or other hidden character, more
 * than 254 characters). Quotes, spaces, `*`, parentheses and the like can be part of an address ("o'neil",
 * `"jo doe"@…`): each adapter escapes them for its own query language, so they are looked for literally.
 */
export function lookupEmail(email: string): string {
  const wanted = email.trim();
  const refuse = (reason: string) =>
    new AppError(ErrorCode.InvalidEmail, 'Not an email address a directory can be asked for', {
      reason,
      length: wanted.length,
    });
  if (wanted.length > MAX_EMAIL_LENGTH) throw refuse('too_long');
  if (hasHiddenCharacters(wanted)) throw refuse('hidden_character');
  if (!/.@./su.test(wanted)) throw refuse('no_at');
  return wanted;
}

/** Whether an email as a directory holds it is the address asked for: exactly, without regard to case. */
export function sameEmail(held: unknown, wanted: string): boolean {
  const email = emailAsHeld(held);
  return email !== undefined && email.toLowerCase() === wanted.toLowerCase();
}
