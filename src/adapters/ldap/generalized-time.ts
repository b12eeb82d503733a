/**
 * RFC 4517 GeneralizedTime, as ppolicy writes it in pwdAccountLockedTime, pwdStartTime and pwdEndTime: a year,
 * month, day and hour, then optional minutes and seconds, an optional fraction (`.` or `,`) of the last unit
 * given, and `Z` or an offset. `000001010000Z`, `00000101000000Z` and `000001010000.0Z` are one value.
 */
export type GeneralizedTime =
  /** Year 0000, in any spelling: ppolicy's "forever" (an administrator's lock). */
  { readonly kind: 'year_zero' } | { readonly kind: 'time'; readonly epochMs: number };

const FORM = /^(\d{4})(\d{2})(\d{2})(\d{2})(?:(\d{2})(\d{2})?)?(?:[.,](\d+))?(Z|[+-]\d{2}(?:\d{2})?)$/;

/** A time as the bot writes it: UTC to the second (a fraction is dropped, so the time is never later than asked). */
export function formatGeneralizedTime(date: Date): string {
  const iso = date.toISOString(); // 2026-03-02T10:00:00.000Z; throws on an invalid date
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** The time a value stands for, or undefined when it is not a GeneralizedTime (callers fail closed on that). */
export function parseGeneralizedTime(value: string): GeneralizedTime | undefined {
  const m = FORM.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = m as unknown as [string, string, string, string, string, ...string[]];
  const [year, month, day, hour] = [y, mo, d, h].map(Number) as [number, number, number, number];
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  if (year === 0) return { kind: 'year_zero' };
  // The fraction belongs to the last unit written: hours, minutes or seconds.
  const unitMs = s !== undefined ? 1000 : mi !== undefined ? 60_000 : 3_600_000;
  const fractionMs = fraction === undefined ? 0 : Number(`0.${fraction}`) * unitMs;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  let epochMs = date.getTime() + fractionMs;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const offsetMinutes = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5) || '0');
    epochMs -= sign * offsetMinutes * 60_000;
  }
  return { kind: 'time', epochMs };
}
