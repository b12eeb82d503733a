import { z } from 'zod';
import { checkTextable, describeNumberProblem, type NumberRules } from '../domain/phone.js';
import { escapeHidden, hasHiddenCharacters } from '../domain/text.js';
import { ACTION_IDS, BLOCK_IDS, LIMITS } from './reset-modal.js';

export interface ResetForm {
  readonly name: string;
  readonly code: string;
  readonly phoneE164: string;
  readonly reason?: string;
}

export type FormErrors = Partial<Record<(typeof BLOCK_IDS)[keyof typeof BLOCK_IDS], string>>;

/** Slack's `view.state.values`: block_id → action_id → { value }. */
export type ViewStateValues = Readonly<Record<string, Readonly<Record<string, { value?: string | null }>>>>;

const HIDDEN_MESSAGE = 'Remove the invisible or control characters (pasted text can carry them).';

const nameSchema = z
  .string()
  .trim()
  .min(1, 'Enter the employee’s full name.')
  .max(LIMITS.name, `Keep the name under ${LIMITS.name + 1} characters.`)
  .refine((v) => !hasHiddenCharacters(v), HIDDEN_MESSAGE)
  .regex(/\p{L}/u, 'A name must contain at least one letter.');

export const codeSchema = z
  .string()
  .trim()
  .min(1, 'Enter the employee code.')
  .max(LIMITS.code, `The employee code is at most ${LIMITS.code} characters.`)
  .regex(/^[A-Za-z0-9-]+$/, 'Use only letters, digits and dashes.')
  .regex(/[A-Za-z0-9]/, 'An employee code needs at least one letter or digit.');

export const reasonSchema = z
  .string()
  .trim()
  .max(LIMITS.reason, `Keep the reason under ${LIMITS.reason + 1} characters.`)
  .refine((v) => !hasHiddenCharacters(v, { multiline: true }), HIDDEN_MESSAGE);

/**
 * What was typed, trimmed, cut to the field limits and with hidden characters written out visibly: for the audit
 * row of a rejected form, which investigators read in a terminal.
 */
export function typedValues(values: ViewStateValues): { name: string; code: string; phone: string } {
  const read = (key: keyof typeof BLOCK_IDS) =>
    escapeHidden((values[BLOCK_IDS[key]]?.[ACTION_IDS[key]]?.value ?? '').trim());
  return { name: read('name').slice(0, LIMITS.name), code: read('code').slice(0, LIMITS.code), phone: read('phone') };
}

/** Validates a submitted form; errors are keyed by block_id so Slack shows each under its field. */
export function parseResetForm(
  values: ViewStateValues,
  numbers: NumberRules,
): { ok: true; form: ResetForm } | { ok: false; errors: FormErrors } {
  const read = (key: keyof typeof BLOCK_IDS) => values[BLOCK_IDS[key]]?.[ACTION_IDS[key]]?.value ?? '';
  const errors: FormErrors = {};
  const firstError = (r: z.ZodSafeParseResult<string>) => (r.success ? undefined : r.error.issues[0]?.message);

  const name = nameSchema.safeParse(read('name'));
  const code = codeSchema.safeParse(read('code'));
  const reason = reasonSchema.safeParse(read('reason'));
  const rawPhone = read('phone').trim();
  const phone = rawPhone ? checkTextable(rawPhone, numbers) : undefined;
  const phoneE164 = phone?.ok ? phone.e164 : undefined;

  if (!name.success) errors[BLOCK_IDS.name] = firstError(name);
  if (!code.success) errors[BLOCK_IDS.code] = firstError(code);
  if (!reason.success) errors[BLOCK_IDS.reason] = firstError(reason);
  if (!phone) errors[BLOCK_IDS.phone] = 'Enter the mobile number that should receive the text.';
  else if (!phone.ok) {
    errors[BLOCK_IDS.phone] =
      phone.problem === 'invalid'
        ? `That is not a valid phone number. Include the country code (+44…) unless it is a ${numbers.defaultCountry} number.`
        : describeNumberProblem(phone, numbers);
  }
  if (!name.success || !code.success || !reason.success || !phoneE164) return { ok: false, errors };
  return {
    ok: true,
    form: { name: name.data, code: code.data, phoneE164, ...(reason.data ? { reason: reason.data } : {}) },
  };
}

/**
 * What the submit step needs from where the form was opened, carried through Slack in `private_metadata` and
 * re-checked. The command gives its channel and response_url; a form opened from the App Home has neither.
 */
export const metadataSchema = z.object({
  channelId: z
    .string()
    .regex(/^[CDG][A-Z0-9]+$/)
    .optional(),
  responseUrl: z.url({ protocol: /^https?$/ }).optional(),
  teamId: z.string().regex(/^[TE][A-Z0-9]+$/),
});
export type FormMetadata = z.infer<typeof metadataSchema>;

export function encodeMetadata(meta: FormMetadata): string {
  return JSON.stringify(meta);
}

export function decodeMetadata(raw: string | undefined): FormMetadata | undefined {
  return decodeJson(metadataSchema, raw);
}

/** JSON checked against a schema; anything else (not JSON, wrong shape) is undefined. */
export function decodeJson<T>(schema: z.ZodType<T>, raw: string | undefined): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(raw ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** What can follow the command, one sentence each (the help and the answer to anything else). */
export const COMMAND_USAGE = [
  '`/resetpw` opens the form.',
  '`/resetpw E-1042` opens it with that employee code filled in (letters, digits and dashes).',
  '`/resetpw @jane` opens it with the code of the directory account whose email is on that Slack user’s profile.',
  '`/resetpw help` shows this.',
] as const;
