import { isGsm7Basic } from './gsm7.js';

const SEGMENT = 160;

/**
 * The SMS the employee reads. Only GSM-7 characters, so it is one 160-character segment; the first name is
 * kept only if it is GSM-7 after dropping accents. Long passwords (up to 79 characters across the profiles) get
 * the short wording so the whole text still fits one segment.
 */
export function composeSmsText(employeeName: string, password: string): string {
  const first = (employeeName.trim().split(/\s+/)[0] ?? '').normalize('NFD').replace(/\p{M}/gu, '').slice(0, 20);
  const greeting = first && isGsm7Basic(first) ? `Hi ${first},` : 'Hello,';
  const full = `${greeting} your temporary password is:\n${password}\nIt expires at first login, when you choose a new one. IT will never ask you for it.`;
  if (full.length <= SEGMENT) return full;
  const medium = `${greeting} your temporary password is:\n${password}\nIt expires at first login.`;
  return medium.length <= SEGMENT ? medium : `Temporary password:\n${password}\nIt expires at first login.`;
}
