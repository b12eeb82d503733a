import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { MAGIC_TO } from '../fakes/fake-twilio.js';
import { sleep } from '../fakes/http-util.js';
import { ADMIN, type Harness, waitFor } from '../helpers/harness.js';
import { requireSlapd } from '../helpers/slapd.js';
import { useSlapdBot } from '../helpers/slapd-bot.js';
import { auditRows, confirm, lookup, privateMessages, textedPassword } from './bot-steps.js';

const EMPLOYEE = 'U0JANE0001';

/**
 * NOTIFY_EMPLOYEE through the running bot: the real slapd holds the employee's email, the real Bolt finds them in
 * the fake Slack by it (users.lookupByEmail) and DMs them; the real Twilio SDK texts the fake Twilio. Whatever
 * becomes of the DM is audited and logged, and the admin's answer is the same.
 */
describe.runIf(requireSlapd())('the employee is told in Slack (NOTIFY_EMPLOYEE)', () => {
  const bot = useSlapdBot({
    prefix: 'notice',
    name: 'Notice',
    env: { TEMP_PASSWORD_TTL: '2h', SECURITY_CONTACT: '#it-security' },
  });
  const { start } = bot;
  /** A fresh employee with a unique code, login and email (none with `email: null`). */
  const person = (over: { email?: string | null; mobile?: string } = {}) => bot.person(over);
  /** Resets through the form and waits for the admin's private answer. */
  const reset = async (harness: Harness, code: string) => {
    const before = harness.slack.responses.length;
    await lookup(harness, code);
    await confirm(harness);
    await waitFor(() => harness.slack.responses.length === before + 1, 10_000, 'the outcome');
    return privateMessages(harness).at(-1) ?? '';
  };
  /** The audit row once its employee notice is recorded. */
  const noticed = async (harness: Harness) => {
    for (let tries = 0; tries < 200; tries++) {
      const [row] = await auditRows(harness);
      if (row?.employeeNotice) return row;
      await sleep(50);
    }
    throw new Error('the employee notice was never recorded');
  };
  const noticeLogs = (harness: Harness) => harness.logs.entries().filter((e) => e.event === 'employee_notice');
  const dmsTo = (harness: Harness, user: string) => {
    const channels = new Set(
      harness.slack
        .callsTo('conversations.open')
        .filter((c) => c.args.users === user)
        .map(() => `D${user.slice(1)}`),
    );
    return harness.slack
      .callsTo('chat.postMessage')
      .filter((c) => channels.has(String(c.args.channel)))
      .map((c) => String(c.args.text));
  };

  it('DMs the employee found by the email on record: who reset it, when, the masked number, the forced change, until when it works, whom to tell; never the password', async () => {
    const harness = await start();
    const p = await person();
    // Slack matches the address whatever its case.
    harness.slack.addUser(EMPLOYEE, p.email.toUpperCase());
    const before = Math.floor(Date.now() / 1000);
    const answer = await reset(harness, p.code);
    const after = Math.ceil(Date.now() / 1000);
    expect(answer).toContain('Temporary password set and sent');

    const row = await noticed(harness);
    expect(row.employeeNotice).toBe('sent');
    expect(harness.slack.callsTo('users.lookupByEmail').map((c) => c.args.email)).toEqual([p.email]);
    const [dm, ...more] = dmsTo(harness, EMPLOYEE);
    expect(more).toEqual([]);
    expect(dm).toContain('*Your password was reset*');
    expect(dm).toContain(`An IT admin, <@${ADMIN}>, reset your password on <!date^`);
    expect(dm).toContain('A temporary password was sent by text message to +•••••••0006.');
    expect(dm).toContain('You must change it the first time you sign in with it.');
    expect(dm).toContain('*Did not ask for this?* Contact #it-security right away');
    // The reset's time, then the end of its validity: TEMP_PASSWORD_TTL (2h) later.
    const [setAt, endsAt] = [...String(dm).matchAll(/<!date\^(\d+)\^/g)].map((m) => Number(m[1]));
    expect(setAt).toBeGreaterThanOrEqual(before);
    expect(setAt).toBeLessThanOrEqual(after);
    expect(endsAt).toBe((setAt ?? 0) + 2 * 3600);
    expect(dm).toContain('It stops working on <!date^');

    const password = textedPassword(harness);
    expect(password.length).toBeGreaterThanOrEqual(15);
    expect(await bot.people().bind(p.dn, password)).toBe('must_change');
    expect(dm).not.toContain(password);
    expect(harness.slack.everythingReceived).not.toContain(password);
    expect(harness.logs.text).not.toContain(password);
    expect(noticeLogs(harness)).toEqual([
      expect.objectContaining({ level: 30, auditId: row.id, result: 'sent', msg: 'employee told of the reset by DM' }),
    ]);
    // `resetpw audit` shows it beside the directory step.
    const out: string[] = [];
    await runCli(
      ['audit'],
      { DATABASE_URL: String(harness.env.DATABASE_URL) },
      (line) => out.push(line),
      () => {},
    );
    const [header, , line] = out.join('\n').split('\n');
    expect(header).toMatch(/directory +employee DM +message/);
    expect(line).toMatch(new RegExp(`ldap:${p.login} set +sent +SM`));
  });

  it('asks nobody with NOTIFY_EMPLOYEE=off, and audits it as off', async () => {
    const harness = await start({ NOTIFY_EMPLOYEE: 'off' });
    const p = await person();
    harness.slack.addUser(EMPLOYEE, p.email);
    expect(await reset(harness, p.code)).toContain('Temporary password set and sent');
    expect((await noticed(harness)).employeeNotice).toBe('off');
    expect(harness.slack.callsTo('users.lookupByEmail')).toEqual([]);
    expect(dmsTo(harness, EMPLOYEE)).toEqual([]);
  });

  it('audits an employee not in Slack (users_not_found) and logs it, the admin’s answer unchanged', async () => {
    const harness = await start();
    const p = await person();
    const answer = await reset(harness, p.code);
    expect(answer).toContain('Temporary password set and sent');
    expect(answer).not.toContain('users_not_found');
    const row = await noticed(harness);
    expect(row).toMatchObject({ result: 'sent', employeeNotice: 'not_in_slack', directoryStep: { result: 'set' } });
    expect(harness.slack.callsTo('users.lookupByEmail').map((c) => c.args.email)).toEqual([p.email]);
    expect(harness.slack.callsTo('conversations.open')).toEqual([]);
    expect(noticeLogs(harness)).toEqual([
      expect.objectContaining({ level: 40, result: 'not_in_slack', detail: 'users_not_found' }),
    ]);
    expect(await bot.people().bind(p.dn, textedPassword(harness))).toBe('must_change');
  });

  it('audits and logs a missing users:read.email scope (an app not reinstalled), naming the scope', async () => {
    const harness = await start();
    const p = await person();
    harness.slack.addUser(EMPLOYEE, p.email);
    harness.slack.scopes = harness.slack.scopes.filter((s) => s !== 'users:read.email');
    expect(await reset(harness, p.code)).toContain('Temporary password set and sent');
    expect((await noticed(harness)).employeeNotice).toBe('missing_scope');
    expect(dmsTo(harness, EMPLOYEE)).toEqual([]);
    expect(noticeLogs(harness)).toEqual([
      expect.objectContaining({
        level: 40,
        result: 'missing_scope',
        detail: 'missing_scope (needs users:read.email)',
        msg: expect.stringContaining('reinstall it from manifest.yml'),
      }),
    ]);
  });

  it('audits an account without an email as no_email, without asking Slack', async () => {
    const harness = await start();
    const p = await person({ email: null });
    expect(await reset(harness, p.code)).toContain('Temporary password set and sent');
    expect((await noticed(harness)).employeeNotice).toBe('no_email');
    expect(harness.slack.callsTo('users.lookupByEmail')).toEqual([]);
    expect(noticeLogs(harness)).toEqual([expect.objectContaining({ level: 40, result: 'no_email' })]);
  });

  it('audits any other Slack error as failed, with Slack’s code in the log', async () => {
    const harness = await start();
    const p = await person();
    harness.slack.addUser(EMPLOYEE, p.email);
    harness.slack.failNext('conversations.open', { error: 'user_is_restricted_from_dms' });
    expect(await reset(harness, p.code)).toContain('Temporary password set and sent');
    expect((await noticed(harness)).employeeNotice).toBe('failed');
    expect(noticeLogs(harness)).toEqual([
      expect.objectContaining({ level: 40, result: 'failed', detail: 'user_is_restricted_from_dms' }),
    ]);
  });

  it('tells the employee of a text whose outcome is unknown (the password is live), and to ask if it never arrives', async () => {
    const harness = await start();
    const p = await person({ mobile: MAGIC_TO.slow });
    harness.slack.addUser(EMPLOYEE, p.email);
    expect(await reset(harness, p.code)).toContain('Outcome unknown: the text may or may not have been sent');
    const row = await noticed(harness);
    expect(row).toMatchObject({ result: 'unknown', employeeNotice: 'sent' });
    const [dm] = dmsTo(harness, EMPLOYEE);
    expect(dm).toContain('to +•••••••0555; if it has not arrived, ask the IT admin who reset it.');
  });

  it('without SECURITY_CONTACT, says to contact the IT security team, and start-up warns once', async () => {
    const harness = await start({ SECURITY_CONTACT: '' });
    const warnings = harness.logs.entries().filter((e) => String(e.msg).startsWith('SECURITY_CONTACT is not set'));
    expect(warnings).toEqual([expect.objectContaining({ level: 40 })]);
    const p = await person();
    harness.slack.addUser(EMPLOYEE, p.email);
    await reset(harness, p.code);
    await noticed(harness);
    expect(dmsTo(harness, EMPLOYEE)[0]).toContain(
      '*Did not ask for this?* Contact your IT security team right away: someone may be trying to get into your account.',
    );
  });

  it('is waited for by a shutdown: a DM under way when the bot stops still goes out and is audited', async () => {
    const harness = await start();
    const p = await person();
    harness.slack.addUser(EMPLOYEE, p.email);
    // Slack is slow to find the employee: the stop comes while the notice is under way.
    harness.slack.failNext('users.lookupByEmail', { delayMs: 1500 });
    await reset(harness, p.code);
    expect(dmsTo(harness, EMPLOYEE)).toEqual([]);
    await harness.stop();
    expect(dmsTo(harness, EMPLOYEE)).toHaveLength(1);
    expect((await auditRows(harness))[0]?.employeeNotice).toBe('sent');
  });
});
