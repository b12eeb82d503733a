/**
 * RFC 4515 escaping for values placed in a search filter. Every value that did not come from the bot's own
 * configuration (an employee code typed by an admin, a DN the server returned) goes through this, so `*)(uid=*`
 * is looked for literally and matches nothing.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `(attribute=value)` with the value escaped. */
export function equals(attribute: string, value: string): string {
  return `(${attribute}=${escapeFilterValue(value)})`;
}

export function and(...filters: string[]): string {
  return filters.length === 1 ? (filters[0] ?? '') : `(&${filters.join('')})`;
}

export function or(...filters: string[]): string {
  return filters.length === 1 ? (filters[0] ?? '') : `(|${filters.join('')})`;
}
