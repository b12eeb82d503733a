import type { Entry } from 'ldapts';

/**
 * Attribute access on a search entry. Servers answer with their own spelling of attribute names (employeeid →
 * employeeID), and ldapts gives `[]` for a requested attribute the entry lacks.
 */
function raw(entry: Entry, attribute: string): unknown[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  const v = key === undefined ? undefined : entry[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export function values(entry: Entry, attribute: string): string[] {
  return raw(entry, attribute).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
}

/** The binary values of an attribute asked for with `explicitBufferAttributes` (objectSid, tokenGroups). */
export function buffers(entry: Entry, attribute: string): Buffer[] {
  return raw(entry, attribute).filter((x): x is Buffer => Buffer.isBuffer(x));
}

export function first(entry: Entry, attribute: string): string | undefined {
  return values(entry, attribute)[0];
}

export function firstOf(entry: Entry, attributes: readonly string[]): string | undefined {
  for (const a of attributes) {
    const v = first(entry, a)?.trim();
    if (v) return v;
  }
  return undefined;
}
