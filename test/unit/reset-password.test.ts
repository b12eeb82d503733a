import { afterEach, describe, expect, it } from 'vitest';
import { PasswordGenerationError, type PasswordGenerator } from '../../src/domain/password.js';
import { buildProfile, PASSWORD_DEFAULTS } from '../../src/domain/password-policy.js';
import { AppError, ErrorCode } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import type {
  AdminDirectory,
  AuditChannel,
  DeliveryJob,
  RateLimitMaxima,
  ResetSummary,
  SmsSender,
} from '../../src/ports/index.js';
import { createAnnouncer } from '../../src/services/announcer.js';
import { createResetPassword, type ResetRequest } from '../../src/services/reset-password.js';
import { LogCapture } from '../helpers/harness.js';
import { DEFAULT_LIMITS, failing, type MemoryStore, memoryStore } from '../helpers/memory-store.js';

/** The use case against fakes of its own ports, and the real store on an in-memory SQLite database. */
const PASSWORD = 'Tq7#kP2@wX9$mN4&';
const JANE = { name: 'Jane Doe', code: 'E-1', phoneE164: '+14155552671' };
const request: ResetRequest = {
  requestId: 'req-1',
  teamId: 'T1',
  adminUserId: 'U1',
  target: { kind: 'typed', employee: JANE },
  responseUrl: 'http://127.0.0.1:1/response/1',
};
/** The same request for another typed employee. */
const typed = (employee: Partial<typeof JANE>, over: Partial<ResetRequest> = {}): ResetRequest => ({
  ...request,
  target: { kind: 'typed', employee: { ...JANE, ...employee } },
  ...over,
});

const stores: MemoryStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.store.close();
});

async function setup(
  opts: {
    admin?: boolean | Error;
    sendError?: AppError;
    generateError?: Error;
    auditFails?: 'begin' | 'finish' | 'record' | 'setAnnouncement';
    limitsFail?: boolean;
    ledgerFails?: boolean;
    limits?: RateLimitMaxima;
    channelFails?: boolean;
    /** Runs inside the send, at the moment the SMS would leave. */
    onSend?: (rows: () => Promise<unknown[]>) => Promise<void>;
  } = {},
) {
  const mem = await memoryStore(opts.limits ?? DEFAULT_LIMITS);
  stores.push(mem);
  const audit = opts.auditFails ? failing(mem.audit, opts.auditFails) : mem.audit;
  const limits = opts.limitsFail ? failing(mem.limits, 'take') : mem.limits;
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
    findSent: async () => [],
    async send(message) {
      sent.push(message);
      await opts.onSend?.(() => mem.audit.list({ limit: 100 }));
      if (opts.sendError) throw opts.sendError;
      return { sid: `SM${sent.length}`, status: 'queued' };
    },
    fetchStatus: async () => ({ status: 'queued' }),
    redact: async () => undefined,
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
  const announced: ResetSummary[] = [];
  const channel: AuditChannel = {
    async announce(summary) {
      if (opts.channelFails) throw new Error('channel_not_found');
      announced.push(summary);
      return `1700000000.00000${announced.length}`;
    },
    update: async () => undefined,
  };
  const tracked: DeliveryJob[] = [];
  const logs = new LogCapture();
  const resetPassword = createResetPassword({
    admins: directory,
    numbers: { defaultCountry: 'US', allowedCountries: ['US'], allowlist: [] },
    sms,
    passwords,
    audit,
    limits,
    submissions: opts.ledgerFails ? failing(mem.submissions, 'claim') : mem.submissions,
    announcer: createAnnouncer(channel),
    trackDelivery: (job) => tracked.push(job),
    trackForMs: 900_000,
    now: () => Date.parse('2026-11-25T10:00:00.000Z'),
  });
  const run = (r: ResetRequest = request) => resetPassword(r, createLogger({ level: 'debug', destination: logs }));
  const rows = () => mem.audit.list({ limit: 100 });
  return { run, checks, sent, logs, contexts, rows, announced, tracked, mem, generated: () => generated };
}

describe('resetPassword', () => {
  it('checks fresh, generates once, sends the password to the number, and returns only identifiers', async () => {
    const s = await setup();
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

  it('hands a sent message to delivery tracking with what the follow-up needs, and no password', async () => {
    const s = await setup();
    await s.run();
    const [row] = await s.rows();
    expect(s.tracked).toEqual([
      {
        auditId: row?.id,
        messageSid: 'SM1',
        status: 'queued',
        trackUntil: new Date('2026-11-25T10:15:00.000Z'),
        responseUrl: request.responseUrl,
        announcementTs: '1700000000.000001',
        subject: { teamId: 'T1', adminUserId: 'U1', employeeCode: 'E-1', phoneE164: '+14155552671' },
        summary: {
          adminUserId: 'U1',
          employeeName: 'Jane Doe',
          employeeCode: 'E-1',
          maskedPhone: '+•••••••2671',
          result: 'sent',
          messageSid: 'SM1',
        },
      },
    ]);
    expect(row).toMatchObject({
      result: 'sent',
      deliveryStatus: 'queued',
      trackUntil: '2026-11-25T10:15:00.000Z',
      announcementTs: '1700000000.000001',
    });
    expect(JSON.stringify(s.tracked)).not.toContain(PASSWORD);
  });

  it.each([
    ['not an admin', false, ErrorCode.NotAdmin],
    ['check failed', new AppError(ErrorCode.AdminCheckFailed, 'x', { reason: 'timeout' }), ErrorCode.AdminCheckFailed],
    ['unexpected throw', new TypeError('boom'), ErrorCode.Internal],
  ] as const)('refuses without generating or sending when %s', async (_label, admin, code) => {
    const s = await setup({ admin });
    const outcome = await s.run();
    expect(outcome.status).toBe('refused');
    expect(outcome.status === 'refused' && outcome.error.code).toBe(code);
    expect(s.generated()).toBe(0);
    expect(s.sent).toHaveLength(0);
    expect(s.announced).toEqual([expect.objectContaining({ result: 'refused', detail: code, adminUserId: 'U1' })]);
  });

  it.each([
    [ErrorCode.SmsOptedOut, 'failed'],
    [ErrorCode.SmsUnreachable, 'failed'],
    [ErrorCode.SmsOutcomeUnknown, 'unknown'],
  ] as const)('reports %s as %s, after exactly one send, and tracks nothing', async (code, status) => {
    const s = await setup({ sendError: new AppError(code, 'x', { twilioCode: 1 }) });
    const outcome = await s.run();
    expect(outcome.status).toBe(status);
    expect(s.sent).toHaveLength(1);
    expect(s.tracked).toHaveLength(0);
    expect(s.logs.entries()[0]).toMatchObject({ outcome: status, errorCode: code, level: 50 });
  });

  it('reports a generation failure as failed (nothing was sent), not as unknown', async () => {
    const s = await setup({ generateError: new PasswordGenerationError() });
    const outcome = await s.run();
    expect(outcome).toMatchObject({ status: 'failed', error: { code: ErrorCode.Internal } });
    expect(s.sent).toHaveLength(0);
  });

  it('writes the audit row before sending and completes it after, never with the password', async () => {
    let rowAtSend: unknown;
    const s = await setup({
      onSend: async (rows) => {
        rowAtSend = (await rows())[0];
      },
    });
    await s.run();
    expect(rowAtSend).toMatchObject({ result: 'sending', requestId: 'req-1', teamId: 'T1' });
    const rows = await s.rows();
    expect(rows).toEqual([
      expect.objectContaining({
        result: 'sent',
        messageSid: 'SM1',
        adminUserId: 'U1',
        employee: { name: 'Jane Doe', code: 'E-1', phoneE164: '+14155552671' },
      }),
    ]);
    expect(JSON.stringify(rows)).not.toContain(PASSWORD);
  });

  it('records refusals and failures with their codes', async () => {
    const refused = await setup({ admin: false });
    await refused.run();
    expect(await refused.rows()).toEqual([
      expect.objectContaining({ result: 'refused', errorCode: ErrorCode.NotAdmin }),
    ]);
    const failed = await setup({ sendError: new AppError(ErrorCode.SmsOptedOut, 'x', { twilioCode: 21610 }) });
    await failed.run();
    expect(await failed.rows()).toEqual([
      expect.objectContaining({ result: 'failed', errorCode: ErrorCode.SmsOptedOut, twilioErrorCode: 21610 }),
    ]);
  });

  it('sends nothing when the audit row cannot be written', async () => {
    const s = await setup({ auditFails: 'begin' });
    const outcome = await s.run();
    expect(outcome).toMatchObject({ status: 'failed', error: { code: ErrorCode.AuditUnavailable } });
    expect(s.generated()).toBe(0);
    expect(s.sent).toHaveLength(0);
  });

  it('still reports a sent text when only the final audit update fails', async () => {
    const s = await setup({ auditFails: 'finish' });
    expect((await s.run()).status).toBe('sent');
    expect(s.logs.text).toContain('audit row left in state sending');
    // Issue 8, defect 7: tracking a row whose outcome was never recorded would report and redact nothing.
    expect(s.tracked).toHaveLength(0);
  });

  it('logs, and goes on, when the audit channel message cannot be remembered', async () => {
    const s = await setup({ auditFails: 'setAnnouncement' });
    expect((await s.run()).status).toBe('sent');
    expect(s.logs.entries()).toContainEqual(
      expect.objectContaining({ level: 40, msg: 'could not remember the audit channel message' }),
    );
  });

  it('goes on when the audit channel cannot be posted to', async () => {
    const s = await setup({ channelFails: true });
    expect((await s.run()).status).toBe('sent');
    expect(s.logs.text).toContain('could not post to the audit channel');
    expect((await s.rows())[0]?.announcementTs).toBeUndefined();
  });
});

describe('resetPassword once per submission', () => {
  it('processes a submission once: a second arrival, even at the same moment, does nothing at all', async () => {
    const s = await setup();
    const r = { ...request, submissionId: 'V0001' };
    const outcomes = await Promise.all([s.run(r), s.run(r), s.run(r)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['duplicate', 'duplicate', 'sent']);
    expect(s.sent).toHaveLength(1);
    expect(await s.rows()).toHaveLength(1);
    expect(s.announced).toHaveLength(1);
    expect(s.logs.text).toContain('duplicate submission ignored');
  });

  it('lets a duplicate count nothing against the limits', async () => {
    const s = await setup();
    await s.run({ ...request, submissionId: 'V0001' });
    expect((await s.run({ ...request, submissionId: 'V0001' })).status).toBe('duplicate');
    // The one reset used the 10-minute slot; the duplicate did not push the daily count to 2.
    const counters = await s.mem.store.db.selectFrom('rate_limits').selectAll().execute();
    expect(counters.find((r) => r.key.includes('employee_day'))?.points).toBe(1);
  });

  it('fails closed when the submission cannot be claimed', async () => {
    const s = await setup({ ledgerFails: true });
    const outcome = await s.run({ ...request, submissionId: 'V0001' });
    expect(outcome).toMatchObject({ status: 'refused', error: { code: ErrorCode.AuditUnavailable } });
    expect(s.sent).toHaveLength(0);
  });
});

describe('resetPassword rate limits', () => {
  const other = (code: string, phone = '+14155552672') => typed({ code, phoneE164: phone });

  it('refuses a second reset of the same employee within 10 minutes, says when it frees up, and records it', async () => {
    const s = await setup();
    expect((await s.run()).status).toBe('sent');
    const second = await s.run(typed({ code: 'e-1' })); // same code, other case
    expect(second).toMatchObject({
      status: 'rate_limited',
      error: { code: ErrorCode.RateLimited, details: { limit: 'employee_10m', max: 1, windowSeconds: 600 } },
    });
    const retryAt = second.status === 'rate_limited' ? Number(second.error.details.retryAt) : 0;
    expect(retryAt * 1000 - Date.now()).toBeGreaterThan(590_000);
    expect(retryAt * 1000 - Date.now()).toBeLessThanOrEqual(601_000);
    expect(s.sent).toHaveLength(1);
    expect(s.generated()).toBe(1);
    expect((await s.rows())[0]).toMatchObject({ result: 'rate_limited', errorCode: 'RATE_LIMITED:employee_10m' });
    expect(s.announced.at(-1)).toMatchObject({ result: 'rate_limited' });
  });

  it('counts a refused reset against no other limit', async () => {
    const s = await setup({ limits: { ...DEFAULT_LIMITS, admin_hour: 1 } });
    expect((await s.run(other('E-2'))).status).toBe('sent');
    // U1's hourly limit refuses E-3 after E-3's employee and phone counts were taken: they must be given back...
    expect(await s.run(other('E-3', '+14155552673'))).toMatchObject({
      status: 'rate_limited',
      error: { details: { limit: 'admin_hour', max: 1 } },
    });
    // ...so another admin can reset E-3 at once.
    expect((await s.run({ ...other('E-3', '+14155552673'), adminUserId: 'U2' })).status).toBe('sent');
  });

  it('gives the counts back when the fresh admin check refuses', async () => {
    const s = await setup({ admin: false });
    expect((await s.run()).status).toBe('refused');
    const subject = { teamId: 'T1', adminUserId: 'U1', employeeCode: 'E-1', phoneE164: '+14155552671' };
    expect(await s.mem.limits.take(subject)).toEqual({ allowed: true }); // the 1-per-10-minutes slot is still free
  });

  it('limits texts to one number whatever the employee code', async () => {
    const s = await setup();
    for (const code of ['A-1', 'A-2', 'A-3']) expect((await s.run(other(code))).status).toBe('sent');
    expect(await s.run(other('A-4'))).toMatchObject({ error: { details: { limit: 'phone_day' } } });
  });

  it('gives the counts back when Twilio refused the text, but not when its outcome is unknown', async () => {
    const failed = await setup({ sendError: new AppError(ErrorCode.SmsInvalidNumber, 'x', { twilioCode: 21211 }) });
    for (let i = 0; i < 3; i++) expect((await failed.run()).status).toBe('failed');
    expect(failed.sent).toHaveLength(3);
    const unknown = await setup({ sendError: new AppError(ErrorCode.SmsOutcomeUnknown, 'x') });
    expect((await unknown.run()).status).toBe('unknown');
    expect((await unknown.run()).status).toBe('rate_limited');
    expect(unknown.sent).toHaveLength(1);
  });

  it('treats a limit of 0 as no limit', async () => {
    const s = await setup({ limits: { ...DEFAULT_LIMITS, employee_10m: 0, employee_day: 0, phone_day: 0 } });
    for (let i = 0; i < 5; i++) expect((await s.run()).status).toBe('sent');
  });

  it('fails closed when the counters cannot be reached', async () => {
    const s = await setup({ limitsFail: true });
    const outcome = await s.run();
    expect(outcome).toMatchObject({ status: 'refused', error: { code: ErrorCode.RateLimitUnavailable } });
    expect(s.sent).toHaveLength(0);
    expect((await s.rows())[0]).toMatchObject({ result: 'refused', errorCode: ErrorCode.RateLimitUnavailable });
  });
});
