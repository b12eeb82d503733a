import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackAdminMessenger } from '../../src/adapters/slack-admin-messenger.js';
import { createSlackEmployeeNotices } from '../../src/adapters/slack-employee-notices.js';
import { createLogger } from '../../src/logger.js';
import type { EmployeeNotice, EmployeeNotices, PasswordSent } from '../../src/ports/index.js';
import { createEmployeeNotice } from '../../src/services/employee-notice.js';
import { employeeNoticeText, FALLBACK_SECURITY_CONTACT } from '../../src/views/employee-notice.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import { LogCapture } from '../helpers/harness.js';
import { failing, type MemoryStore, memoryStore } from '../helpers/memory-store.js';

const SET_AT = new Date('2026-11-30T10:42:30.900Z');
const notice: EmployeeNotice = {
  email: 'jane@example.com',
  adminUserId: 'U0ADMIN01',
  maskedPhone: '+•••••••2671',
  setAt: SET_AT,
  expiresAt: new Date(SET_AT.getTime() + 86_400_000),
  text: 'sent',
};

describe('the employee notice (view)', () => {
  it('names the admin, the time, the masked number, the forced change, the end and the contact, in Slack date tokens', () => {
    const text = employeeNoticeText(notice, '#it-security');
    expect(text.split('\n')).toEqual([
      ':closed_lock_with_key: *Your password was reset*',
      'An IT admin, <@U0ADMIN01>, reset your password on <!date^1796035350^{date_short_pretty} at {time}|2026-11-30 10:42 UTC>.',
      '• A temporary password was sent by text message to +•••••••2671.',
      '• You must change it the first time you sign in with it.',
      '• It stops working on <!date^1796121750^{date_short_pretty} at {time}|2026-12-01 10:42 UTC>: sign in and choose your own before then.',
      '*Did not ask for this?* Contact #it-security right away: someone may be trying to get into your account.',
    ]);
  });

  it('says nothing of an end when the password does not expire (TEMP_PASSWORD_TTL=0)', () => {
    const { expiresAt: _, ...forever } = notice;
    expect(employeeNoticeText(forever, '#it-security')).not.toMatch(/stops working|<!date\^1796121750/);
  });

  it('shows the contact as given but inert, and falls back to the IT security team', () => {
    const text = employeeNoticeText(notice, '<!channel> & <https://evil.example|it-security>');
    expect(text).toContain('Contact &lt;!channel&gt; &amp; &lt;https://evil.example|it-security&gt; right away');
    expect(employeeNoticeText(notice, undefined)).toContain(`Contact ${FALLBACK_SECURITY_CONTACT} right away`);
  });

  it('for a text whose outcome is unknown, says whom to ask if it never arrives', () => {
    expect(employeeNoticeText({ ...notice, text: 'unknown' }, undefined)).toContain(
      'to +•••••••2671; if it has not arrived, ask the IT admin who reset it.',
    );
  });
});

describe('Slack employee notices (real WebClient, fake Slack)', () => {
  let slack: FakeSlack;
  let notices: EmployeeNotices;
  beforeAll(async () => {
    slack = await new FakeSlack().start();
    const client = new webApi.WebClient('xoxb-test', {
      slackApiUrl: `${slack.apiUrl}/`,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    notices = createSlackEmployeeNotices(client, createSlackAdminMessenger(client), '@security-team');
  });
  beforeEach(() => {
    slack.calls.length = 0;
    slack.clearFaults();
    slack.usersByEmail.clear();
    slack.scopes = ['commands', 'usergroups:read', 'im:write', 'chat:write', 'users:read', 'users:read.email'];
  });
  afterAll(async () => {
    await slack.stop();
  });

  it('finds the employee by email and DMs them through the bot’s IM channel', async () => {
    slack.addUser('U0JANE001', 'Jane@Example.com');
    expect(await notices.passwordReset(notice)).toEqual({ result: 'sent' });
    expect(slack.callsTo('users.lookupByEmail').map((c) => c.args)).toEqual([{ email: 'jane@example.com' }]);
    expect(slack.callsTo('conversations.open').map((c) => c.args.users)).toEqual(['U0JANE001']);
    const [post] = slack.callsTo('chat.postMessage');
    expect(post?.args.channel).toBe('D0JANE001');
    expect(post?.args.text).toBe(employeeNoticeText(notice, '@security-team'));
  });

  it.each([
    ['no member has the email', () => {}, 'not_in_slack', 'users_not_found'],
    [
      'a deactivated member',
      () => slack.addUser('U0GONE01', notice.email, { deleted: true }),
      'not_in_slack',
      'users_not_found',
    ],
    [
      'no users:read.email',
      () => {
        slack.scopes = slack.scopes.filter((s) => s !== 'users:read.email');
      },
      'missing_scope',
      'missing_scope (needs users:read.email)',
    ],
    [
      'a user token',
      () => slack.failNext('users.lookupByEmail', { error: 'not_allowed_token_type' }),
      'missing_scope',
      'not_allowed_token_type',
    ],
    ['a rate limit', () => slack.failNext('users.lookupByEmail', { status: 429 }), 'failed', 'ratelimited'],
    [
      'no im:write when opening the DM',
      () => {
        slack.addUser('U0JANE001', notice.email);
        slack.failNext('conversations.open', { error: 'missing_scope' });
      },
      'missing_scope',
      'missing_scope',
    ],
    [
      'a DM Slack refuses',
      () => {
        slack.addUser('U0JANE001', notice.email);
        slack.failNext('chat.postMessage', { error: 'fatal_error' });
      },
      'failed',
      'fatal_error',
    ],
  ] as const)('answers what became of it on %s, without throwing', async (_what, arrange, result, detail) => {
    arrange();
    expect(await notices.passwordReset(notice)).toEqual({ result, detail });
  });
});

describe('the employee notice (use case)', () => {
  let m: MemoryStore;
  let logs: LogCapture;
  const log = () => createLogger({ level: 'debug', destination: logs });
  const sent = async (audit = m.audit): Promise<PasswordSent> => {
    const auditId = await audit.begin({ requestId: 'r1', adminUserId: 'U0ADMIN01' });
    return {
      auditId,
      adminUserId: 'U0ADMIN01',
      email: 'jane@example.com',
      maskedPhone: '+•••••••2671',
      setAt: SET_AT,
      text: 'sent',
    };
  };
  beforeEach(async () => {
    m = await memoryStore();
    logs = new LogCapture();
  });

  /** Runs the hook and waits for the work it handed to `track`. */
  async function run(deps: { notices?: EmployeeNotices; ttlMs?: number; audit?: typeof m.audit }, what: PasswordSent) {
    const tracked: Promise<void>[] = [];
    const results: string[] = [];
    const hook = createEmployeeNotice({
      ...(deps.notices ? { notices: deps.notices } : {}),
      audit: deps.audit ?? m.audit,
      ttlMs: deps.ttlMs ?? 86_400_000,
      track: (work) => tracked.push(work),
      onResult: (r) => results.push(r),
    });
    hook(what, log());
    // Handed off, not done: the reset returns before anyone is asked.
    expect(tracked).toHaveLength(1);
    await Promise.all(tracked);
    return { results };
  }

  it('asks nobody until the reset has returned, and states the end as the set time plus TEMP_PASSWORD_TTL', async () => {
    const asked: EmployeeNotice[] = [];
    const notices: EmployeeNotices = {
      passwordReset: async (n) => {
        asked.push(n);
        return { result: 'sent' };
      },
    };
    const what = await sent();
    const tracked: Promise<void>[] = [];
    createEmployeeNotice({ notices, audit: m.audit, ttlMs: 7_200_000, track: (w) => tracked.push(w) })(what, log());
    expect(asked).toEqual([]);
    await Promise.all(tracked);
    expect(asked).toEqual([{ ...notice, expiresAt: new Date(SET_AT.getTime() + 7_200_000) }]);
    expect((await m.audit.list({ limit: 1 }))[0]?.employeeNotice).toBe('sent');
  });

  it('states no end with TEMP_PASSWORD_TTL=0', async () => {
    let seen: EmployeeNotice | undefined;
    const notices: EmployeeNotices = {
      passwordReset: async (n) => {
        seen = n;
        return { result: 'sent' };
      },
    };
    await run({ notices, ttlMs: 0 }, await sent());
    expect(seen).toBeDefined();
    expect(seen).not.toHaveProperty('expiresAt');
  });

  it('counts an adapter that throws as failed, and a lost audit write as one error line, never throwing', async () => {
    const notices: EmployeeNotices = {
      passwordReset: async () => {
        throw new Error('socket hang up');
      },
    };
    const what = await sent();
    const { results } = await run({ notices }, what);
    expect(results).toEqual(['failed']);
    expect((await m.audit.list({ limit: 1 }))[0]?.employeeNotice).toBe('failed');
    expect(logs.entries()).toContainEqual(
      expect.objectContaining({ level: 40, event: 'employee_notice', result: 'failed', detail: 'socket hang up' }),
    );

    const broken = failing(m.audit, 'recordEmployeeNotice');
    const second = await run({ notices: { passwordReset: async () => ({ result: 'sent' }) }, audit: broken }, what);
    expect(second.results).toEqual(['sent']);
    expect(logs.entries()).toContainEqual(
      expect.objectContaining({ level: 50, auditId: what.auditId, msg: 'could not record the employee notice' }),
    );
  });

  it('records off and no_email without asking anyone', async () => {
    const notices: EmployeeNotices = {
      passwordReset: async () => {
        throw new Error('must not be asked');
      },
    };
    expect((await run({}, await sent())).results).toEqual(['off']);
    const { email: _, ...noEmail } = await sent();
    expect((await run({ notices }, noEmail)).results).toEqual(['no_email']);
    expect((await m.audit.list({ limit: 2 })).map((r) => r.employeeNotice)).toEqual(['no_email', 'off']);
  });
});
