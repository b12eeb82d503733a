import type { ResetSummary } from '../ports/index.js';
import { describeAuditCode } from '../user-messages.js';
import { escapeMrkdwn } from './outcome.js';

const EMOJI: Readonly<Record<string, string>> = {
  sent: ':outbox_tray:',
  delivered: ':white_check_mark:',
  undelivered: ':x:',
  failed: ':x:',
  unknown: ':warning:',
  refused: ':no_entry:',
  rate_limited: ':hourglass:',
};

/** One audit channel line: who, whom, masked number, outcome. Never the full number, never the password. */
export function buildAuditMessage(s: ResetSummary): { text: string } {
  const whom = s.employeeName
    ? ` for *${escapeMrkdwn(s.employeeName)}*${s.employeeCode ? ` (${escapeMrkdwn(s.employeeCode)})` : ''}`
    : '';
  const phone = s.maskedPhone ? ` at ${s.maskedPhone}` : '';
  const detail = s.detail ? describeAuditCode(s.detail) : undefined;
  const directory = s.directory ? `password ${s.directory}` : undefined;
  const extra = [detail, directory, s.messageSid ? `\`${s.messageSid}\`` : undefined].filter(Boolean).join(' · ');
  const text = `${EMOJI[s.result] ?? ':grey_question:'} Password reset by <@${s.adminUserId}>${whom}${phone}: *${s.result}*${extra ? ` · ${extra}` : ''}`;
  return { text };
}
