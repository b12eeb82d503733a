import type { Generated } from 'kysely';

/** Outcomes of a /resetpw request; `sending` only while a send is under way. */
export const RESULTS = ['sending', 'sent', 'failed', 'unknown', 'refused', 'invalid', 'rate_limited'] as const;
export type AuditResult = (typeof RESULTS)[number];

export interface ResetsTable {
  id: string;
  /** ISO 8601 UTC, fixed width, so text order is time order on both engines. */
  created_at: string;
  updated_at: string;
  request_id: string;
  team_id: string | null;
  admin_user_id: string;
  employee_name: string | null;
  employee_code: string | null;
  /** Full E.164: the audit trail is for investigators. Every other surface masks it. */
  phone_e164: string | null;
  reason: string | null;
  result: AuditResult;
  message_sid: string | null;
  error_code: string | null;
  twilio_error_code: number | null;
  seq: Generated<number>;
}

export interface Schema {
  resets: ResetsTable;
}
