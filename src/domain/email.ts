/**
 * Email addresses as the directories hold them. The bot only ever compares them; it never sends mail.
 */

/** The email a directory returned, trimmed; undefined when there is none (missing, not text, or only blanks). */
export function emailAsHeld(value: unknown): string | undefined {
  const email = typeof value === 'string' ? value.trim() : '';
  return email === '' ? undefined : email;
}
