import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSlackInterruptionNotices } from '../../src/adapters/slack-interruption-notices.js';
import type { PasswordGenerator } from '../../src/domain/password.js';
import { buildProfile, PASSWORD_DEFAULTS } from '../../src/domain/password-policy.js';
import { AppError, ErrorCode } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import type { AdminDirectory, DeliveryJob, SmsSender } from '../../src/ports/index.js';
import { createAnnouncer } from '../../src/services/announcer.js';
import { createCompensator } from '../../src/services/compensation.js';
import { createInterruptedSendSweeper } from '../../src/services/interrupted-sends.js';
import { createLookupEmployee } from '../../src/services/lookup-employee.js';
import { createResetPassword, type ResetPasswordDeps, type ResetRequest } from '../../src/services/reset-password.js';
import { describeOutcome } from '../../src/views/outcome.js';
import { FakeDirectory } from '../fakes/fake-directory.js';
import { LogCapture } from '../helpers/harness.js';
import { type MemoryStore, memoryStore } from '../helpers/memory-store.js';

/** The use cases with a directory, against the in-memory fake of the Directory port and the real store. */
const PASSWORD = 'Tq7#kP2@wX9$mN4&';
const stores: MemoryStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.store.close();
});

async function setup(opts: { sendError?: AppError; more?: (events: string[]) => Partial<ResetPasswordDeps> } = {}) {
  const mem = await memoryStore();
  stores.push(mem);
  const directory = new FakeDirectory();
  const events: string[] = [];
  const sent: { to: string; body: string }[] = [];
  const admins: AdminDirectory = { isAdmin: async () => true };
  const sms: SmsSender = {
    findSent: async () => [],
    async send(message) {
      events.push('send');
      sent.push(message);
      if (opts.sendError) throw opts.sendError;
      return { sid: 'SM1', status: 'queued' };
    },
    fetchStatus: async () => ({ status: 'queued' }),
    redact: async () => undefined,
  };
  const contexts: unknown[] = [];
  const passwords: PasswordGenerator = {
    profile: buildProfile(PASSWORD_DEFAULTS),
    generate: (context) => {
      events.push('generate');
      contexts.push(context);
      return PASSWORD;
    },
  };
  directory.onWrite = async (op) => {
    const [row] = await mem.audit.list({ limit: 1 });
    events.push(`${op} (row ${row?.result}/${row?.directoryStep?.result})`);
  };
  const logs = new LogCapture();
  const log = createLogger({ level: 'debug', destination: logs });
  const compensator = createCompensator({ directory, audit: mem.audit, log });
  const tracked: DeliveryJob[] = [];
  const reset = createResetPassword({
    admins,
    directory,
    compensator,
    passwords,
    sms,
    audit: mem.audit,
    limits: mem.limits,
    submissions: mem.submissions,
    announcer: createAnnouncer(undefined),
    numbers: { defaultCountry: 'US', allowedCountries: ['US'], allowlist: [] },
    trackDelivery: (job) => tracked.push(job),
    trackForMs: 900_000,
    ...opts.more?.(events),
  });
  const jane = directory.add({
    login: 'jane',
    employeeCode: 'E-1',
    displayName: 'Jane Doe',
    mobiles: ['(415) 555-2671'],
  });
  const request = (over: Partial<ResetRequest> = {}): ResetRequest => ({
    requestId: 'req-1',
    teamId: 'T1',
    adminUserId: 'U1',
    target: { kind: 'directory', code: 'E-1', accountId: jane.id, phoneE164: '+14155552671' },
    responseUrl: 'http://127.0.0.1:1/response/1',
    ...over,
  });
  const run = (r = request()) => reset(r, log);
  const rows = () => mem.audit.list({ limit: 10 });
  return { directory, jane, events, sent, contexts, logs, log, mem, run, request, rows, tracked, compensator };
}

describe('resetPassword with a directory', () => {
  it('records, generates, sets in the directory, then texts the number on record: in that order', async () => {
    const s = await setup();
    const outcome = await s.run();
    expect(s.events).toEqual(['generate', 'set (row sending/setting)', 'send']);
    expect(s.directory.passwordOf(s.jane.id)).toBe(PASSWORD);
    expect(s.sent).toEqual([
      { to: '+14155552671', body: expect.stringContaining(`\n${PASSWORD}\nYou must choose a new one`) },
    ]);
    // The blocklist gets the directory's name and the code, not what an admin might have typed.
    expect(s.contexts).toEqual([{ employeeName: 'Jane Doe', employeeCode: 'E-1' }]);
    expect(outcome).toMatchObject({
      status: 'sent',
      employeeName: 'Jane Doe',
      directory: { label: 'the test directory', login: 'jane', result: 'set', unlocked: false, marker: '1' },
    });
    expect((await s.rows())[0]).toMatchObject({
      result: 'sent',
      directory: { kind: 'ldap', accountId: s.jane.id, login: 'jane' },
      directoryStep: { result: 'set', marker: '1' },
    });
    expect(s.tracked[0]?.directoryAccountId).toBe(s.jane.id);
    expect(JSON.stringify([outcome, await s.rows(), s.tracked])).not.toContain(PASSWORD);
    expect(s.logs.text).not.toContain(PASSWORD);
  });

  it('texts before it schedules the expiry and ends the sessions, and finishes the row only once both are done', async () => {
    let scheduled: () => void = () => undefined;
    const s = await setup({
      more: (events) => ({
        revokeSessions: true,
        onPasswordSet: (password) => {
          events.push(`schedule expiry (${password.accountId})`);
          // The expiry's row is written only when this test lets it: the reset must wait for it.
          return new Promise<void>((resolve) => {
            scheduled = () => {
              events.push('expiry scheduled');
              resolve();
            };
          });
        },
      }),
    });
    Object.assign(s.directory, {
      revokeSessions: async (accountId: string) => {
        s.events.push(`revoke (${accountId})`);
      },
    });
    const outcome = s.run();
    await vi.waitFor(() => expect(s.events).toContain(`schedule expiry (${s.jane.id})`));
    expect(s.events).toEqual([
      'generate',
      'set (row sending/setting)',
      'send',
      `revoke (${s.jane.id})`,
      `schedule expiry (${s.jane.id})`,
    ]);
    expect((await s.rows())[0]?.result).toBe('sending');
    scheduled();
    expect(await outcome).toMatchObject({ status: 'sent', directory: { result: 'set', sessions: { revoked: true } } });
    expect(s.events.at(-1)).toBe('expiry scheduled');
    expect((await s.rows())[0]?.result).toBe('sent');
  });

  const finishes: [string, number, () => Promise<boolean>][] = [
    ['finishes its row', 1, async () => true],
    ['finds its row ended by another process (the sweep)', 0, async () => false],
    ['cannot finish its row (the store fails)', 0, () => Promise.reject(new Error('database is locked'))],
  ];
  it.each(finishes)(
    'when the reset %s, tells the employee of the new password %i time(s)',
    async (_, notices, finish) => {
      const told: string[] = [];
      const s = await setup({ more: () => ({ onPasswordSent: (sent) => void told.push(sent.auditId) }) });
      Object.assign(s.mem.audit, { finish });
      const outcome = await s.run();
      expect(outcome).toMatchObject({ status: 'sent', directory: { result: 'set' } });
      expect(told).toHaveLength(notices);
    },
  );

  it('sends nothing and keeps the old password when the directory refuses the write', async () => {
    const s = await setup();
    s.directory.fail.set = new AppError(ErrorCode.DirectoryPolicyRejected, 'x', { ldapCode: 19, adCode: '0000052D' });
    const outcome = await s.run();
    expect(outcome).toMatchObject({ status: 'failed', error: { code: ErrorCode.DirectoryPolicyRejected } });
    expect(s.sent).toHaveLength(0);
    expect(s.directory.passwordOf(s.jane.id)).toBe('Old-1');
    expect((await s.rows())[0]).toMatchObject({
      result: 'failed',
      directoryStep: { result: 'failed', detail: ErrorCode.DirectoryPolicyRejected },
    });
    const words = describeOutcome(outcome.status === 'duplicate' ? (undefined as never) : outcome, {
      password: { profile: 'strong', length: 15 },
    });
    expect(words.lines.join('\n')).toContain('raise PASSWORD_LENGTH (now 15)');
  });

  it('scrambles, and sends nothing, when the connection is lost during the write', async () => {
    const s = await setup();
    s.directory.fail.set = new AppError(ErrorCode.DirectoryOutcomeUnknown, 'x', { reason: 'connection_lost' });
    const outcome = await s.run();
    expect(outcome).toMatchObject({ status: 'failed', directory: { result: 'scrambled' } });
    expect(s.sent).toHaveLength(0);
    expect(s.directory.writes.map((w) => w.op)).toEqual(['scramble']);
    const words = describeOutcome(outcome as never, {}).lines.join('\n');
    expect(words).toContain('cannot tell whether the new password was set in the test directory, so it randomised');
    expect(words).not.toContain('could not be delivered');
  });

  it('says one true thing when an interrupted write could not be randomised either', async () => {
    const s = await setup();
    s.directory.fail.set = new AppError(ErrorCode.DirectoryOutcomeUnknown, 'x', { reason: 'connection_lost' });
    s.directory.fail.scramble = [new AppError(ErrorCode.DirectoryUnavailable, 'down', { reason: 'timeout' })];
    const outcome = await s.run();
    expect(outcome).toMatchObject({ status: 'failed', directory: { result: 'scramble_failed' } });
    const words = describeOutcome(outcome as never, {}).lines.join('\n');
    expect(words).toContain(
      'cannot tell whether the new password was set in the test directory, and it could not randomise',
    );
    expect(words).toContain('Reset or disable the account by hand now');
    // Never both "it is set" and "cannot tell whether it was set".
    expect(words).not.toMatch(/password is set in|was set\. Nothing|cannot tell whether the password was set/);
  });

  it('scrambles at once when the provider refuses the text', async () => {
    const s = await setup({ sendError: new AppError(ErrorCode.SmsOptedOut, 'x', { twilioCode: 21610 }) });
    const outcome = await s.run();
    expect(outcome).toMatchObject({ status: 'failed', directory: { result: 'scrambled' } });
    expect(s.directory.writes.map((w) => w.op)).toEqual(['set', 'scramble']);
    expect(s.directory.passwordOf(s.jane.id)).not.toBe(PASSWORD);
    expect((await s.rows())[0]).toMatchObject({
      result: 'failed',
      directoryStep: { result: 'scrambled', detail: ErrorCode.SmsOptedOut },
    });
  });

  it('says loudly when the scramble fails, and the next sweep retries it', async () => {
    const s = await setup({ sendError: new AppError(ErrorCode.SmsInvalidNumber, 'x', { twilioCode: 21211 }) });
    s.directory.fail.scramble = [new AppError(ErrorCode.DirectoryUnavailable, 'down', { reason: 'timeout' })];
    const outcome = await s.run();
    expect(outcome).toMatchObject({ status: 'failed', directory: { result: 'scramble_failed' } });
    expect(describeOutcome(outcome as never, {}).lines.join('\n')).toContain('could not be randomised');
    expect(s.directory.passwordOf(s.jane.id)).toBe(PASSWORD);
    const dms: string[] = [];
    const sweeper = createInterruptedSendSweeper({
      audit: s.mem.audit,
      notices: createSlackInterruptionNotices({ messenger: { dm: async (_u, text) => void dms.push(text) } }),
      staleAfterMs: 60_000,
      log: s.log,
      compensator: s.compensator,
    });
    await sweeper.sweep();
    expect(s.directory.passwordOf(s.jane.id)).not.toBe(PASSWORD);
    expect((await s.rows())[0]?.directoryStep).toMatchObject({ result: 'scrambled' });
    expect(dms).toEqual([expect.stringContaining('then randomised')]);
    await sweeper.sweep();
    expect(dms).toHaveLength(1);
  });

  it('keeps the password when the provider does not answer: no second text, no scramble', async () => {
    const s = await setup({ sendError: new AppError(ErrorCode.SmsOutcomeUnknown, 'x') });
    const outcome = await s.run();
    expect(outcome).toMatchObject({ status: 'unknown', directory: { result: 'set' } });
    expect(s.directory.writes.map((w) => w.op)).toEqual(['set']);
    expect(s.sent).toHaveLength(1);
  });

  it('refuses when the code now leads to another entry than the one confirmed, writing nothing', async () => {
    const s = await setup();
    const outcome = await s.run(
      s.request({ target: { kind: 'directory', code: 'E-1', accountId: 'uid=other,dc=test' } }),
    );
    expect(outcome).toMatchObject({ status: 'refused', error: { code: ErrorCode.EmployeeChanged } });
    expect(s.directory.writes).toHaveLength(0);
    expect(s.sent).toHaveLength(0);
  });

  it('refuses when the number on record is not the one confirmed (or none was kept), writing nothing', async () => {
    const s = await setup();
    for (const phoneE164 of ['+14155550106', undefined]) {
      const target = {
        kind: 'directory' as const,
        code: 'E-1',
        accountId: s.jane.id,
        ...(phoneE164 ? { phoneE164 } : {}),
      };
      const outcome = await s.run(s.request({ target }));
      expect(outcome).toMatchObject({
        status: 'refused',
        error: { code: ErrorCode.EmployeeChanged, details: { changed: phoneE164 ? 'number' : 'number_not_kept' } },
      });
    }
    expect(s.directory.writes).toHaveLength(0);
    expect(s.sent).toHaveLength(0);
  });

  it('looks the account up again at reset time: disabled since the confirmation means no', async () => {
    const s = await setup();
    s.directory.add({ ...s.jane, disabled: true });
    const outcome = await s.run();
    expect(outcome).toMatchObject({ status: 'refused', error: { code: ErrorCode.AccountDisabled } });
    expect(s.directory.writes).toHaveLength(0);
    expect((await s.rows())[0]).toMatchObject({ result: 'refused', directory: { login: 'jane' } });
  });

  it('does not scramble a password that a later reset has replaced', async () => {
    const s = await setup();
    await s.run(s.request({ requestId: 'first' }));
    const first = (await s.rows())[0];
    // A second admin resets the same employee (limits off in their setup); the first text then turns out undelivered.
    const second = await s.mem.audit.begin({
      requestId: 'second',
      adminUserId: 'U2',
      directory: { kind: 'ldap', accountId: s.jane.id, login: 'jane' },
    });
    // Its write is done (a newer reset still writing is waited for: test/store/watch-races.test.ts).
    await s.mem.audit.finish(second, { result: 'sent', messageSid: 'SM2', directoryStep: { result: 'set' } });
    const result = await s.compensator.compensate(
      { auditId: first?.id ?? '', kind: 'ldap', accountId: s.jane.id },
      'undelivered:30003',
      ['set'],
    );
    expect(result).toBe('superseded');
    expect(s.directory.writes.map((w) => w.op)).toEqual(['set']);
    expect(second).toBeDefined();
  });
});

describe('lookupEmployee', () => {
  async function lookupSetup() {
    const s = await setup();
    const announced: string[] = [];
    const lookup = createLookupEmployee({
      admins: { isAdmin: async () => true },
      directory: s.directory,
      audit: s.mem.audit,
      announcer: createAnnouncer({
        announce: async (summary) => {
          announced.push(summary.result);
          return '1.0';
        },
        update: async () => undefined,
      }),
      numbers: { defaultCountry: 'US', allowedCountries: ['US'], allowlist: [] },
      budgetMs: 100,
    });
    const run = (code: string) => lookup({ requestId: 'r', teamId: 'T1', adminUserId: 'U1', code }, s.log);
    return { ...s, run, announced };
  }

  it('finds one employee and reads the number on record as E.164', async () => {
    const s = await lookupSetup();
    expect(await s.run('E-1')).toMatchObject({
      status: 'found',
      employee: { name: 'Jane Doe', code: 'E-1', phoneE164: '+14155552671', account: { login: 'jane' } },
    });
    expect(await s.rows()).toHaveLength(0);
  });

  it.each([
    ['none', () => undefined, ErrorCode.EmployeeNotFound, 'invalid'],
    [
      'privileged',
      (d: FakeDirectory) => d.add({ login: 'root', employeeCode: 'E-9', protection: { reason: 'admin_count' } }),
      ErrorCode.AccountProtected,
      'refused',
    ],
    [
      'never expires',
      (d: FakeDirectory) => d.add({ login: 'svc', employeeCode: 'E-9', forcedChangeBlocked: 'password_never_expires' }),
      ErrorCode.PasswordNeverExpires,
      'refused',
    ],
  ] as const)('stops on %s and audits it', async (_label, arrange, code, result) => {
    const s = await lookupSetup();
    arrange(s.directory);
    const outcome = await s.run('E-9');
    expect(outcome).toMatchObject({ status: result, error: { code }, field: true });
    expect((await s.rows())[0]).toMatchObject({ result, errorCode: code });
    expect(s.announced).toEqual(result === 'refused' ? ['refused'] : []);
  });

  it('fails closed, not as a field error, when the directory does not answer within the budget', async () => {
    const s = await lookupSetup();
    s.directory.findByEmployeeCode = () => new Promise(() => undefined);
    const outcome = await s.run('E-1');
    expect(outcome).toMatchObject({ status: 'refused', field: false, error: { code: ErrorCode.DirectoryUnavailable } });
  });
});
