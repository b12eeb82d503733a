import type { Selectable } from 'kysely';
import type {
  AuditDirectoryStep,
  AuditOutcome,
  AuditRecord,
  DirectoryKind,
  DirectoryResult,
  EmployeeNoticeResult,
} from '../ports/index.js';
import type { ResetsTable } from './schema.js';

/** How an audit row is written and read: columns from outcomes, records from rows (src/store/audit-store.ts). */

/** `unknown` rows whose send got no answer (not those of an interrupted process: they are scrambled already). */
export const UNANSWERED_SEND = ['SMS_OUTCOME_UNKNOWN', 'INTERNAL'];

/** Directory steps after which a password chosen by the bot may be live in the directory. */
export const WROTE_PASSWORD: DirectoryResult[] = [
  'setting',
  'set',
  'scrambling',
  'scrambled',
  'scramble_failed',
  'superseded',
  'changed',
];

export function outcomeColumns(outcome: AuditOutcome | { result: 'sending' }) {
  const o = outcome as AuditOutcome;
  return {
    result: o.result,
    message_sid: o.messageSid ?? null,
    error_code: o.errorCode ?? null,
    twilio_error_code: o.twilioErrorCode ?? null,
    ...(o.deliveryStatus ? { delivery_status: o.deliveryStatus } : {}),
    ...(o.trackUntil ? { track_until: o.trackUntil.toISOString() } : {}),
    ...(o.directoryStep ? directoryStepColumns(o.directoryStep) : {}),
  };
}

export function directoryStepColumns(step: AuditDirectoryStep) {
  return {
    directory_result: step.result,
    directory_detail: step.detail ?? null,
    ...(step.marker !== undefined ? { directory_marker: step.marker } : {}),
    ...(step.sessions !== undefined ? { directory_sessions: step.sessions } : {}),
  };
}

function directoryOf(r: Selectable<ResetsTable>): Pick<AuditRecord, 'directory' | 'directoryStep'> {
  const target =
    r.directory_kind !== null && r.directory_account !== null
      ? {
          directory: {
            kind: r.directory_kind as DirectoryKind,
            accountId: r.directory_account,
            login: r.directory_login ?? '',
          },
        }
      : {};
  const step =
    r.directory_result !== null
      ? {
          directoryStep: {
            result: r.directory_result as DirectoryResult,
            ...(r.directory_detail !== null ? { detail: r.directory_detail } : {}),
            ...(r.directory_marker !== null ? { marker: r.directory_marker } : {}),
            ...(r.directory_sessions !== null ? { sessions: r.directory_sessions } : {}),
          },
        }
      : {};
  return { ...target, ...step };
}

export function toRecord(r: Selectable<ResetsTable>): AuditRecord {
  const employee = {
    ...(r.employee_name !== null ? { name: r.employee_name } : {}),
    ...(r.employee_code !== null ? { code: r.employee_code } : {}),
    ...(r.phone_e164 !== null ? { phoneE164: r.phone_e164 } : {}),
  };
  return {
    id: r.id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    requestId: r.request_id,
    ...(r.team_id !== null ? { teamId: r.team_id } : {}),
    adminUserId: r.admin_user_id,
    ...(Object.keys(employee).length > 0 ? { employee } : {}),
    ...(r.reason !== null ? { reason: r.reason } : {}),
    ...(r.verification_method !== null
      ? {
          verification: {
            method: r.verification_method,
            ...(r.verified_at !== null ? { at: r.verified_at } : {}),
            ...(r.verification_failures !== null ? { failures: Number(r.verification_failures) } : {}),
          },
        }
      : {}),
    result: r.result,
    ...(r.message_sid !== null ? { messageSid: r.message_sid } : {}),
    ...(r.error_code !== null ? { errorCode: r.error_code } : {}),
    ...(r.twilio_error_code !== null ? { twilioErrorCode: Number(r.twilio_error_code) } : {}),
    ...(r.delivery_status !== null ? { deliveryStatus: r.delivery_status } : {}),
    ...(r.delivery_error_code !== null ? { deliveryErrorCode: Number(r.delivery_error_code) } : {}),
    ...(r.track_until !== null ? { trackUntil: r.track_until } : {}),
    ...(r.redacted_at !== null ? { redactedAt: r.redacted_at } : {}),
    ...(r.announcement_ts !== null ? { announcementTs: r.announcement_ts } : {}),
    ...(r.repeat_count !== null ? { repeatCount: Number(r.repeat_count) } : {}),
    ...(r.sms_lookup !== null ? { smsLookup: r.sms_lookup } : {}),
    ...(r.employee_notice !== null ? { employeeNotice: r.employee_notice as EmployeeNoticeResult } : {}),
    ...directoryOf(r),
  };
}
