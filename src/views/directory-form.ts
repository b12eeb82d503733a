import { z } from 'zod';
import {
  codeSchema,
  decodeJson,
  type FormMetadata,
  metadataSchema,
  reasonSchema,
  type ViewStateValues,
} from './reset-form.js';
import { ACTION_IDS, BLOCK_IDS } from './reset-modal.js';

/** The lookup step's fields: the employee code and an optional reason. */
export function parseLookupForm(
  values: ViewStateValues,
): { ok: true; code: string; reason?: string } | { ok: false; errors: Record<string, string> } {
  const read = (key: 'code' | 'reason') => values[BLOCK_IDS[key]]?.[ACTION_IDS[key]]?.value ?? '';
  const code = codeSchema.safeParse(read('code'));
  const reason = reasonSchema.safeParse(read('reason'));
  const errors: Record<string, string> = {};
  if (!code.success) errors[BLOCK_IDS.code] = code.error.issues[0]?.message ?? 'Check the employee code.';
  if (!reason.success) errors[BLOCK_IDS.reason] = reason.error.issues[0]?.message ?? 'Check the reason.';
  if (!code.success || !reason.success) return { ok: false, errors };
  return { ok: true, code: code.data, ...(reason.data ? { reason: reason.data } : {}) };
}

/** What the confirmation step carries from the lookup: the command's metadata and who was confirmed. */
const confirmSchema = metadataSchema.extend({
  code: codeSchema,
  accountId: z.string().min(1).max(1000),
  reason: reasonSchema.optional(),
  /** The code step's: the verification it checks (its row says for which view and admin). */
  verificationId: z.string().uuid().optional(),
});
export type ConfirmMetadata = z.infer<typeof confirmSchema>;

export function encodeConfirmMetadata(
  meta: FormMetadata & { code: string; accountId: string; reason?: string; verificationId?: string },
): string {
  return JSON.stringify(meta);
}

export function decodeConfirmMetadata(raw: string | undefined): ConfirmMetadata | undefined {
  return decodeJson(confirmSchema, raw);
}
