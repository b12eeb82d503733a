import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';

/** E.164 for a valid number, else undefined. Numbers typed without `+` are read as `defaultCountry`'s. */
export function toE164(raw: string, defaultCountry: CountryCode): string | undefined {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry);
  return parsed?.isValid() ? parsed.number : undefined;
}

/** Every surface but the SMS itself shows this: the last 4 digits, nothing else. */
export function maskPhone(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  const visible = digits.length > 8 ? 4 : 2;
  return `+${'•'.repeat(Math.max(digits.length - visible, 0))}${digits.slice(-visible)}`;
}
