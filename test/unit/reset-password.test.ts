import { describe, expect, it } from 'vitest';
import { PasswordGenerationError, type PasswordGenerator } from '../../src/domain/password.js';
import { buildProfile, PASSWORD_DEFAULTS } from '../../src/domain/password-policy.js';
import { AppError, ErrorCode } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import type { AdminDirectory, SmsSender } from '../../src/ports.js';
import { createResetPassword } from '../../src/services/reset-password.js';
import { MemoryAuditStore } from '../fakes/memory-audit-store.js';
import { LogCapture } from '../helpers/harness.js';

/** The use case against in-memory fakes of its own ports. */
const PASSWORD = 'Tq7#kP2@wX9$mN4&';
const request = {
  requestId: 'req-1',
  teamId: 'T1',
  adminUserId: 'U1',
  employee: { name: 'Jane Doe', code: 'E-1', phoneE164: '+14155552671' },
};

function setup(
  opts: {
    admin?: boolean | Error;
    sendError?: AppError;
    generateError?: Error;
    auditFails?: 'begin' | 'finish' | 'record';
  } = {},
) {
  const audit = new MemoryAuditStore();
  audit.failOn = opts.auditFails;
  const checks: { userId: string; fresh: boolean | undefined }[] = [];
  const sent: { to: string; body: string }[] = [];
  let generated = 0;
  const directory: AdminDirectory = {
    async isAdmin(userId, options) {
      checks.push({ userId, fresh: options?.fresh });
      if (opts.admin instanceof Error) throw opts.admin;
      return opts.admin ?? true;
    },
  };
  const sms: SmsSender = {
    async send(message) {
      sent.push(message);
      if (opts.sendError) throw opts.sendError;
      return { sid: 'SM1', status: 'queued' };
    },
  };
  const contexts: unknown[] = [];
  const passwords: PasswordGenerator = {
    profile: buildProfile(PASSWORD_DEFAULTS),
    generate: (context) => {
      contexts.push(context);
      if (opts.generateError) throw opts.generateError;
      generated++;
      return PASSWORD;
    },
  };
  const logs = new LogCapture();
  const run = () =>
    createResetPassword({ directory, sms, passwords, audit })(
      request,
      createLogger({ level: 'debug', destination: logs }),
    );
  return { run, checks, sent, logs, contexts, audit, generated: () => generated };
}

describe('resetPassword', () => {
  it('checks fresh, generates once, sends the password to the number, and returns only identifiers', async () => {
    const s = setup();
    const outcome = await s.run();
    expect(s.checks).toEqual([{ userId: 'U1', fresh: true }]);
    expect(s.generated()).toBe(1);
    expect(s.contexts).toEqual([{ employeeName: 'Jane Doe', employeeCode: 'E-1' }]);
    expect(s.sent).toEqual([{ to: '+14155552671', body: expect.stringContaining(`\n${PASSWORD}\n`) }]);
    expect(outcome).toEqual({
      status: 'sent',
      employeeName: 'Jane Doe',
      maskedPhone: '+•••••••2671',
      messageSid: 'SM1',
      smsStatus: 'queued',
    });
    expect(JSON.stringify(outcome)).not.toContain(PASSWORD);
    expect(s.logs.entries()).toEqual([
      expect.objectContaining({ event: 'reset_outcome', outcome: 'sent', messageSid: 'SM1', employeeCode: 'E-1' }),
    ]);
    expect(s.logs.text).not.toContain(PASSWORD);
    expect(s.logs.text).not.toContain('+14155552671');
  });

  it.each([
    ['not an admin', false, ErrorCode.NotAdmin],
    ['check failed', new AppError(ErrorCode.AdminCheckFailed, 'x', { reason: 'timeout' }), ErrorCode.AdminCheckFailed],
    ['unexpected throw', new TypeError('boom'), ErrorCode.Internal],
  ] as const)('refuses without generating or sending when %s', async (_label, admin, code) => {
    const s = setup({ admin });
    const outcome = await s.run();
    expect(outcome.status).toBe('refused');
    expect(outcome.status !== 'sent' && outcome.error.code).toBe(code);
    expect(s.generated()).toBe(0);
    expect(s.sent).toHaveLength(0);
  });

  it.each([
    [ErrorCode.SmsOptedOut, 'failed'],
    [ErrorCode.SmsUnreachable, 'failed'],
    [ErrorCode.SmsOutcomeUnknown, 'unknown'],
  ] as const)('reports %s as %s, after exactly one send', async (code, status) => {
    const s = setup({ sendError: new AppError(code, 'x', { twilioCode: 1 }) });
    const outcome = await s.run();
    expect(outcome.status).toBe(status);
    expect(s.sent).toHaveLength(1);
    expect(s.logs.entries()[0]).toMatchObject({ outcome: status, errorCode: code, level: 50 });
  });

  it('reports a generation failure as failed (nothing was sent), not as unknown', async () => {
    const s = setup({ generateError: new PasswordGenerationError() });
    const outcome = await s.run();
    expect(outcome).toMatchObject({ status: 'failed', error: { code: ErrorCode.Internal } });
    expect(s.sent).toHaveLength(0);
  });

  it('writes the audit row before sending and completes it after, never with the password', async () => {
    const s = setup();
    let rowAtSend: unknown;
    const send = s.audit.begin.bind(s.audit);
    s.audit.begin = async (entry) => {
      const id = await send(entry);
      rowAtSend = { ...s.audit.rows[0] };
      return id;
    };
    await s.run();
    expect(rowAtSend).toMatchObject({ result: 'sending', requestId: 'req-1', teamId: 'T1' });
    expect(s.audit.rows).toEqual([
      expect.objectContaining({
        result: 'sent',
        messageSid: 'SM1',
        adminUserId: 'U1',
        employee: { name: 'Jane Doe', code: 'E-1', phoneE164: '+14155552671' },
      }),
    ]);
    expect(JSON.stringify(s.audit.rows)).not.toContain(PASSWORD);
  });

  it('records refusals and failures with their codes', async () => {
    const refused = setup({ admin: false });
    await refused.run();
    expect(refused.audit.rows).toEqual([expect.objectContaining({ result: 'refused', errorCode: ErrorCode.NotAdmin })]);
    const failed = setup({ sendError: new AppError(ErrorCode.SmsOptedOut, 'x', { twilioCode: 21610 }) });
    await failed.run();
    expect(failed.audit.rows).toEqual([
      expect.objectContaining({ result: 'failed', errorCode: ErrorCode.SmsOptedOut, twilioErrorCode: 21610 }),
    ]);
  });

  it('sends nothing when the audit row cannot be written', async () => {
    const s = setup({ auditFails: 'begin' });
    const outcome = await s.run();
    expect(outcome).toMatchObject({ status: 'failed', error: { code: ErrorCode.AuditUnavailable } });
    expect(s.generated()).toBe(0);
    expect(s.sent).toHaveLength(0);
  });

  it('still reports a sent text when only the final audit update fails', async () => {
    const s = setup({ auditFails: 'finish' });
    expect((await s.run()).status).toBe('sent');
    expect(s.logs.text).toContain('audit row left in state sending');
  });
});
