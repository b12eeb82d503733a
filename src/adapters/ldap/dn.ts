/** Distinguished names, compared and cut without asking the server. */

/** DNs compare case-insensitively, and spaces around `,` `=` `+` are not part of them. */
export function normalizeDn(dn: string): string {
  return dn
    .trim()
    .replace(/\s*([,=+])\s*/g, '$1')
    .toLowerCase();
}

/** `cn=x,ou=groups,dc=example,dc=com` → `dc=example,dc=com`; `cn=x,ou=y,o=corp` → `o=corp`. */
export function topSuffix(dn: string): string {
  const parts = dn.split(/(?<!\\),/).map((p) => p.trim());
  const dc = parts.findIndex((p) => /^dc=/i.test(p));
  return dc >= 0 ? parts.slice(dc).join(',') : (parts.at(-1) ?? dn);
}
