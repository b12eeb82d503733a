import { isGsm7Basic } from './gsm7.js';

const SEGMENT = 160;

export interface SmsTextOptions {
  /**
   * The password was set in a directory that forces a new one at first login. Without a directory
   * (DIRECTORY=none) the text says nothing about expiry: the bot does not know what the password is for.
   */
  readonly changeAtFirstLogin: boolean;
}

/**
 * The first name, only if it is letters (with inner hyphens or apostrophes: Jean-Luc, O'Brien) that stay GSM-7 once
 * accents are dropped; otherwise no name. A name from a form or a directory is not trusted to be a name: "Hi
 * evil.example/reset," would turn the greeting into a link.
 */
function greetingName(employeeName: string): string {
  const first = (employeeName.trim().split(/\s+/)[0] ?? '').normalize('NFD').replace(/\p{M}/gu, '');
  const name = /^\p{L}+(?:['’-]\p{L}+)*$/u.test(first) && first.length <= 20 ? first.replace(/’/g, "'") : '';
  return name && isGsm7Basic(name) ? `Hi ${name},` : 'Hello,';
}

/**
 * The SMS the employee reads. Only GSM-7 characters, so it is one 160-character segment; the first name is
 * kept only if it is GSM-7 after dropping accents. Long passwords (up to 79 characters across the profiles) get
 * the short wording so the whole text still fits one segment.
 */
export function composeSmsText(employeeName: string, password: string, options: SmsTextOptions): string {
  const greeting = greetingName(employeeName);
  const head = `${greeting} your temporary password is:\n${password}\n`;
  const candidates = options.changeAtFirstLogin
    ? [
        `${head}You must choose a new one when you first log in. IT will never ask you for it.`,
        `${head}Change it at first login.`,
        `Temporary password:\n${password}\nChange it at first login.`,
      ]
    : [`${head}IT will never ask you for it.`, head.trimEnd(), `Temporary password:\n${password}`];
  return candidates.find((text) => text.length <= SEGMENT) ?? candidates[candidates.length - 1] ?? '';
}
