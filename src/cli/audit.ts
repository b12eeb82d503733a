import { z } from 'zod';
import { ConfigError, cleanEnv, describeIssues, type Env } from '../config/env.js';
import { escapeHidden } from '../domain/text.js';
import type { AuditQuery, AuditRecord, DeliveryEvent } from '../ports/index.js';
import { createAuditStore } from '../store/audit-store.js';
import { openStoreReadOnly } from '../store/database.js';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from '../store/url.js';

const querySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1, '--limit must be at least 1')
    .max(10_000, '--limit must be at most 10000')
    .default(50),
  since: z.iso
    .datetime({ offset: true, error: '--since must be an ISO 8601 time, e.g. 2026-11-25T00:00:00Z' })
    .optional(),
  employee: z.string().min(1).max(32).optional(),
});

/** `resetpw audit`: reads DATABASE_URL only; never creates, migrates or writes (a read-only copy is fine). */
export async function auditReport(
  env: Env,
  args: { limit?: string; since?: string; employee?: string },
): Promise<{ rows: (AuditRecord & { deliveryEvents?: DeliveryEvent[] })[]; text: string }> {
  const url = cleanEnv(env).DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const target = parseDatabaseUrl(url);
  if (!target) throw new ConfigError(['DATABASE_URL must be sqlite:<path> or postgres://user:password@host/db']);
  const parsed = querySchema.safeParse(args);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error).map((p) => p.replace(/^\w+ /, '')));
  const query: AuditQuery = {
    limit: parsed.data.limit,
    ...(parsed.data.since ? { since: new Date(parsed.data.since).toISOString() } : {}),
    ...(parsed.data.employee ? { employeeCode: parsed.data.employee } : {}),
  };
  const store = await openStoreReadOnly(url);
  try {
    const audit = createAuditStore(store.db);
    const rows = await audit.list(query);
    // Every status Twilio reported for a sent text, oldest first, for the JSON output.
    const events = await audit.deliveryEvents(rows.filter((r) => r.messageSid).map((r) => r.id));
    const withEvents = rows.map((r) => {
      const list = events.get(r.id);
      return list && list.length > 0 ? { ...r, deliveryEvents: list } : r;
    });
    return { rows: withEvents, text: formatRows(rows) };
  } finally {
    await store.close();
  }
}

/** `ad:jdoe set`, `ldap:bob scrambled (SMS_OPTED_OUT)`: which account, and what the reset did to its password. */
function directoryCell(r: AuditRecord): string {
  if (!r.directory) return '-';
  const step = r.directoryStep;
  const sessions =
    step?.sessions === undefined
      ? ''
      : step.sessions === 'revoked'
        ? ', signed out'
        : `, not signed out (${step.sessions})`;
  const what = step ? ` ${step.result}${step.detail ? ` (${step.detail})` : ''}${sessions}` : '';
  return `${r.directory.kind}:${r.directory.login}${what}`;
}

function formatRows(rows: readonly AuditRecord[]): string {
  if (rows.length === 0) return 'No audit records match.';
  const header = [
    'time (UTC)',
    'result',
    'admin',
    'employee',
    'code',
    'phone',
    'directory',
    'employee DM',
    'message / error',
  ];
  const lines = rows.map((r) => [
    r.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    r.repeatCount ? `${r.result} ×${r.repeatCount}` : r.result,
    r.adminUserId,
    r.employee?.name ?? '-',
    r.employee?.code ?? '-',
    r.employee?.phoneE164 ?? '-',
    directoryCell(r),
    // Whether the employee was told by the bot (sent, not_in_slack, …), for resets that set a password.
    r.employeeNotice ?? '-',
    [
      r.messageSid,
      r.errorCode,
      r.twilioErrorCode !== undefined ? `twilio ${r.twilioErrorCode}` : undefined,
      r.deliveryErrorCode !== undefined ? `twilio ${r.deliveryStatus} ${r.deliveryErrorCode}` : undefined,
      // An unanswered send, looked up in Twilio's log afterwards: found, not_found, ambiguous, lookup_failed.
      r.smsLookup ? `log: ${r.smsLookup}` : undefined,
      // How the employee was verified first (code, skipped, not_required), and the wrong codes before it passed.
      r.verification
        ? `verified: ${r.verification.method}${r.verification.failures ? ` (${r.verification.failures} wrong)` : ''}`
        : undefined,
    ]
      .filter(Boolean)
      .join(' ') || '-',
  ]);
  // Names, codes and reasons were typed by people: nothing they contain may drive the investigator's terminal.
  for (const line of lines) for (let i = 0; i < line.length; i++) line[i] = escapeHidden(line[i] ?? '');
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}
