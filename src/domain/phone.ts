import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import { parsePhoneNumberFromString as parseWithTypes } from 'libphonenumber-js/max';

/** E.164 for a valid number, else undefined. Numbers typed without `+` are read as `defaultCountry`'s. */
export function toE164(raw: string, defaultCountry: CountryCode): string | undefined {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry);
  return parsed?.isValid() ? parsed.number : undefined;
}

/** Which numbers the bot texts (SMS_ALLOWED_COUNTRIES, SMS_NUMBER_ALLOWLIST). */
export interface NumberRules {
  /** How a number typed without `+` is read (DEFAULT_COUNTRY). */
  readonly defaultCountry: CountryCode;
  readonly allowedCountries: readonly CountryCode[];
  /**
   * E.164 numbers or prefixes texted whatever their type and country: Twilio's test numbers (`+1500555`) for demos
   * and tests, or a known exception. Empty by default.
   */
  readonly allowlist: readonly string[];
}

export type TextableCheck =
  | { readonly ok: true; readonly e164: string }
  | { readonly ok: false; readonly problem: 'invalid' }
  /** Premium-rate, toll-free, landline, pager, VoIP…: the type libphonenumber gives, or `unknown`. */
  | { readonly ok: false; readonly problem: 'not_mobile'; readonly numberType: string; readonly e164: string }
  | { readonly ok: false; readonly problem: 'country'; readonly country: string; readonly e164: string }
  /** "+1 415 555 2671 ext. 23": an extension means a switchboard or a desk phone, and a text cannot reach one. */
  | { readonly ok: false; readonly problem: 'extension'; readonly e164: string };

/** Number types a text can reach. */
const MOBILE_TYPES = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

/**
 * Whether the bot may text this number: a valid mobile number (libphonenumber's full metadata, which knows number
 * types) in an allowed country. Premium-rate and foreign numbers are how SMS features are abused (SMS pumping);
 * Twilio's Geo Permissions stay the second line.
 */
export function checkTextable(raw: string, rules: NumberRules): TextableCheck {
  const parsed = parseWithTypes(raw.trim(), rules.defaultCountry);
  if (!parsed?.isValid()) return { ok: false, problem: 'invalid' };
  const e164 = parsed.number;
  if (parsed.ext) return { ok: false, problem: 'extension', e164 };
  if (rules.allowlist.some((prefix) => e164.startsWith(prefix))) return { ok: true, e164 };
  const country = parsed.country;
  if (!country || !rules.allowedCountries.includes(country)) {
    return { ok: false, problem: 'country', country: country ?? 'none', e164 };
  }
  const numberType = parsed.getType() ?? 'unknown';
  if (!MOBILE_TYPES.has(numberType)) return { ok: false, problem: 'not_mobile', numberType, e164 };
  return { ok: true, e164 };
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  FIXED_LINE: 'a landline',
  TOLL_FREE: 'a toll-free number',
  PREMIUM_RATE: 'a premium-rate number',
  SHARED_COST: 'a shared-cost number',
  VOIP: 'an internet (VoIP) number',
  PERSONAL_NUMBER: 'a personal (forwarding) number',
  PAGER: 'a pager',
  UAN: 'a company (UAN) number',
  VOICEMAIL: 'a voicemail number',
};

/** One sentence on why a number is not texted, for an inline error or a refusal. */
export function describeNumberProblem(check: Exclude<TextableCheck, { ok: true }>, rules: NumberRules): string {
  switch (check.problem) {
    case 'invalid':
      return 'That is not a valid phone number.';
    case 'country':
      return check.country === 'none'
        ? 'That number belongs to no country, and the bot only texts mobile numbers in the allowed countries.'
        : `That is a number in ${check.country}, and the bot only texts numbers in ${rules.allowedCountries.join(', ')} (SMS_ALLOWED_COUNTRIES).`;
    case 'not_mobile':
      return `That is ${TYPE_WORDS[check.numberType] ?? 'not a mobile number'}, and the bot only texts mobile numbers.`;
    case 'extension':
      return 'That number has an extension, so it is a switchboard or a desk phone, and the bot only texts mobile numbers.';
  }
}

/** Every surface but the SMS itself shows this: the last 4 digits, nothing else. */
export function maskPhone(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  const visible = digits.length > 8 ? 4 : 2;
  return `+${'•'.repeat(Math.max(digits.length - visible, 0))}${digits.slice(-visible)}`;
}
