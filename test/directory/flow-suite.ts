import { afterEach, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { DIRECTORY_CALLBACK_IDS } from '../../src/views/directory-modal.js';
import { BLOCK_IDS } from '../../src/views/reset-modal.js';
import { DELIVERY_TO, MAGIC_TO } from '../fakes/fake-twilio.js';
import { ADMIN, type Harness, startHarness, waitFor } from '../helpers/harness.js';
import type { TestDirectory } from '../helpers/test-directory.js';
import { auditRows, confirm, lookup, privateMessages, textedPassword } from './bot-steps.js';

/**
 * The reset flow with a real directory, end to end through the real bot: Slack and Twilio are local fakes, the
 * directory is a real server. Shared by the OpenLDAP and the Active Directory suites. Each test adds its own
 * people (unique codes), so the tests do not depend on one another.
 */
export function directoryFlowSuite(
  directory: () => TestDirectory,
  /** What the directory has: several numbers per account; a lockout by failed logins that a reset lifts. */
  options: { multipleMobiles: boolean; lockout: boolean },
) {
  let h: Harness | undefined;
  let seq = 0;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  const start = async (env: Record<string, string> = {}) => {
    h = await startHarness({ env: { ...directory().botEnv(), ...env } });
    return h;
  };
  /** A fresh person with a unique code and login. */
  const person = async (over: { mobile?: string | null; name?: string } = {}) => {
    const n = ++seq;
    const login = `emp${n}${Math.random().toString(36).slice(2, 6)}`;
    const code = `E-${Date.now().toString(36).slice(-5)}${n}`;
    const password = `Old-Pass-${n}-xyzzy!`;
    const mobile = over.mobile === null ? undefined : (over.mobile ?? '+1 500 555 0006');
    const dn = await directory().add({
      login,
      code,
      name: over.name ?? `Pat Example${n}`,
      password,
      ...(mobile ? { mobile } : {}),
    });
    return { dn, login, code, password };
  };
  it('looks the code up, confirms who it is, sets a password that must be changed at first login, and texts it to the number on record', async () => {
    const d = directory();
    const harness = await start();
    const p = await person({ name: 'Jane Q. Doe' });

    const [open] = harness.slack.callsTo('views.open');
    expect(open).toBeUndefined();
    const step1 = await lookup(harness, p.code);
    const form = harness.slack.callsTo('views.open')[0]?.args.view as { blocks: { block_id?: string; type: string }[] };
    expect(form.blocks.filter((b) => b.type === 'input').map((b) => b.block_id)).toEqual([
      BLOCK_IDS.code,
      BLOCK_IDS.reason,
    ]);
    expect(step1.body).toMatchObject({
      response_action: 'update',
      view: { callback_id: DIRECTORY_CALLBACK_IDS.confirm },
    });
    const shown = JSON.stringify(step1.body);
    expect(shown).toContain('Jane Q. Doe');
    expect(shown).toContain(p.login);
    expect(shown).toContain('+•••••••0006');
    expect(shown).toContain(`sets a temporary password in ${d.label}, which must be changed at next login`);
    expect(harness.twilio.createRequests).toHaveLength(0);

    const step2 = await confirm(harness);
    expect(JSON.stringify(step2.body)).toContain('Resetting');
    await waitFor(() => harness.slack.responses.length === 1, 10_000, 'the outcome');
    expect(harness.twilio.createRequests).toHaveLength(1);
    expect(harness.twilio.createRequests[0]?.params.To).toBe('+15005550006');
    const password = textedPassword(harness);
    expect(password.length).toBeGreaterThanOrEqual(15);
    expect(harness.twilio.createRequests[0]?.params.Body).toContain('You must choose a new one when you first log in');
    expect(await d.bind(p.dn, password)).toBe('must_change');
    expect(await d.bind(p.dn, p.password)).toBe('invalid');

    const [message] = privateMessages(harness);
    expect(message).toContain('Temporary password set and sent');
    expect(message).toContain(`It is set in ${d.label} and must be changed at first login.`);
    const [row] = await auditRows(harness);
    expect(row).toMatchObject({
      result: 'sent',
      reason: 'INC-1',
      employee: { name: 'Jane Q. Doe', code: p.code, phoneE164: '+15005550006' },
      directory: { kind: d.kind, accountId: p.dn, login: p.login },
      directoryStep: { result: 'set', marker: expect.any(String) },
    });
    const cliOut: string[] = [];
    await runCli(
      ['audit'],
      { DATABASE_URL: String(harness.env.DATABASE_URL) },
      (line) => cliOut.push(line),
      () => undefined,
    );
    // Cloud directories also end the employee's sessions (DIRECTORY_REVOKE_SESSIONS, on by default).
    expect(cliOut.join('\n')).toContain(
      `${d.kind}:${p.login} set${['okta', 'entra', 'google'].includes(d.kind) ? ', signed out' : ''} `,
    );
    // Nowhere but the SMS: not in logs, not in anything sent to Slack, not in the audit.
    expect(harness.logs.text).not.toContain(password);
    expect(harness.slack.everythingReceived).not.toContain(password);
    expect(JSON.stringify(await auditRows(harness))).not.toContain(password);
  });

  // Registered only where a lockout is visible and lifted by a reset (not Entra's smart lockout).
  if (options.lockout) {
    it('unlocks an account locked by failed logins, and says it was locked before and after', async () => {
      const d = directory();
      const harness = await start();
      const p = await person();
      await d.lockOut(p.dn);
      const step1 = await lookup(harness, p.code);
      expect(JSON.stringify(step1.body)).toContain('Locked by failed logins');
      await confirm(harness);
      await waitFor(() => harness.slack.responses.length === 1, 10_000, 'the outcome');
      expect(privateMessages(harness)[0]).toContain('it is unlocked now');
      expect(await d.bind(p.dn, textedPassword(harness))).toBe('must_change');
    });
  }

  it.each([
    ['no match', 'none', /No account in .* has this employee code/, 'invalid', 'EMPLOYEE_NOT_FOUND'],
    ['several matches', 'twins', /2 accounts in .* share this employee code/, 'invalid', 'EMPLOYEE_AMBIGUOUS'],
    ['a disabled account', 'disabled', /The account is disabled/, 'refused', 'ACCOUNT_DISABLED'],
    ['a protected account', 'protected', 'protected', 'refused', 'ACCOUNT_PROTECTED'],
    ['no mobile on record', 'no-mobile', /no mobile number in/, 'invalid', 'NO_MOBILE_ON_RECORD'],
    ['a mobile number that is not one', 'bad-mobile', /not a valid phone number/, 'invalid', 'NO_MOBILE_ON_RECORD'],
    ['a premium-rate number on record', 'premium', /may not be texted.*premium-rate/, 'invalid', 'NO_MOBILE_ON_RECORD'],
  ] as const)(
    'keeps the form open on %s, says which, audits it, and changes nothing',
    async (_label, kind, words, result, code) => {
      const d = directory();
      const harness = await start();
      const mobiles = { 'no-mobile': null, 'bad-mobile': '12', premium: '+1 900 555 0199' } as const;
      const p = await person(kind in mobiles ? { mobile: mobiles[kind as keyof typeof mobiles] } : {});
      if (kind === 'twins')
        await d.add({ login: `${p.login}b`, code: p.code, password: 'Twin-Pass-1x!', mobile: '+15005550006' });
      if (kind === 'disabled') await d.disable(p.dn);
      if (kind === 'protected') await d.protect(p.dn);
      const before = await d.snapshot(p.dn);
      const ack = await lookup(harness, kind === 'none' ? `${p.code}X` : p.code);
      expect(ack.body).toMatchObject({
        response_action: 'errors',
        errors: { [BLOCK_IDS.code]: expect.stringMatching(words === 'protected' ? d.protectedWords : words) },
      });
      expect(await d.snapshot(p.dn)).toEqual(before);
      expect(harness.twilio.createRequests).toHaveLength(0);
      expect(await d.bind(p.dn, p.password)).toBe(kind === 'disabled' ? 'invalid' : 'ok');
      const [row] = await auditRows(harness);
      expect(row).toMatchObject({ result, errorCode: code, adminUserId: ADMIN });
    },
  );

  // Registered only where an account can hold several numbers (not Okta's single mobilePhone).
  if (options.multipleMobiles) {
    it('refuses an account with two different numbers on record, and resets it once one is left', async () => {
      const d = directory();
      const p = await person();
      const env = await d.setMobiles(p.dn, ['+15005550006', '+15005550011']);
      const harness = await start(env);
      const before = await d.snapshot(p.dn);
      const ack = await lookup(harness, p.code);
      expect(ack.body).toMatchObject({
        response_action: 'errors',
        errors: {
          [BLOCK_IDS.code]: expect.stringMatching(
            /has 2 different mobile numbers in .*will not guess.*Leave only the employee's own mobile number/,
          ),
        },
      });
      expect(await d.snapshot(p.dn)).toEqual(before);
      expect((await auditRows(harness))[0]).toMatchObject({ result: 'invalid', errorCode: 'MOBILE_AMBIGUOUS' });
      // The same number written twice is one number; and a record fixed to one number is reset.
      await d.setMobiles(p.dn, ['+15005550010', '+1 (500) 555-0010']);
      expect((await lookup(harness, p.code)).body).toMatchObject({ response_action: 'update' });
      await confirm(harness);
      await waitFor(() => harness.slack.responses.length === 1, 10_000, 'the outcome');
      expect(harness.twilio.createRequests.map((r) => r.params.To)).toEqual(['+15005550010']);
      expect(await d.bind(p.dn, textedPassword(harness))).toBe('must_change');
    });
  }

  it('texts only the number the admin confirmed: a record changed after the confirmation is refused', async () => {
    const d = directory();
    const harness = await start();
    const p = await person({ mobile: '+15005550006' });
    const step1 = await lookup(harness, p.code);
    expect(JSON.stringify(step1.body)).toContain('+•••••••0006');
    await d.setMobile(p.dn, '+15005550010');
    await confirm(harness);
    await waitFor(() => harness.slack.responses.length === 1, 10_000, 'the outcome');
    const [message] = privateMessages(harness);
    expect(message).toContain('The number on record changed');
    expect(message).toContain('nothing was changed and nothing was sent');
    expect(message).toContain('EMPLOYEE_CHANGED');
    expect(harness.twilio.createRequests).toHaveLength(0);
    expect(await d.bind(p.dn, p.password)).toBe('ok');
    expect((await auditRows(harness))[0]).toMatchObject({ result: 'refused', errorCode: 'EMPLOYEE_CHANGED' });
    // Run again: the new number is shown, confirmed, and texted.
    const again = await lookup(harness, p.code);
    expect(JSON.stringify(again.body)).toContain('+•••••••0010');
    await confirm(harness);
    await waitFor(() => harness.slack.responses.length === 2, 10_000, 'the second outcome');
    expect(harness.twilio.createRequests.map((r) => r.params.To)).toEqual(['+15005550010']);
    expect(await d.bind(p.dn, textedPassword(harness))).toBe('must_change');
  });

  it('scrambles the password when Twilio refuses the text: neither the old nor the texted password works', async () => {
    const d = directory();
    const harness = await start();
    const p = await person({ mobile: MAGIC_TO.optedOut });
    await lookup(harness, p.code);
    await confirm(harness);
    await waitFor(() => harness.slack.responses.length === 1, 10_000, 'the outcome');
    const password = textedPassword(harness);
    expect(password).not.toBe('');
    expect(await d.bind(p.dn, password)).toBe('invalid');
    expect(await d.bind(p.dn, p.password)).toBe('invalid');
    const [message] = privateMessages(harness);
    expect(message).toContain('then randomised because the text could not be delivered');
    expect(message).toContain('SMS_OPTED_OUT');
    expect((await auditRows(harness))[0]).toMatchObject({
      result: 'failed',
      errorCode: 'SMS_OPTED_OUT',
      directoryStep: { result: 'scrambled', detail: 'SMS_OPTED_OUT' },
    });
    expect(harness.logs.text).not.toContain(password);
  });

  it('keeps the password when Twilio does not answer in time, and says it is set', async () => {
    const d = directory();
    const harness = await start({ TWILIO_TIMEOUT_MS: '300' });
    harness.twilio.slowMs = 1500;
    const p = await person({ mobile: MAGIC_TO.slow });
    await lookup(harness, p.code);
    await confirm(harness);
    await waitFor(() => harness.slack.responses.length === 1, 10_000, 'the outcome');
    expect(harness.twilio.createRequests).toHaveLength(1);
    expect(await d.bind(p.dn, textedPassword(harness))).toBe('must_change');
    const [message] = privateMessages(harness);
    expect(message).toContain('Outcome unknown');
    expect(message).toContain(`The temporary password is set in ${d.label}`);
    expect((await auditRows(harness))[0]).toMatchObject({ result: 'unknown', directoryStep: { result: 'set' } });
  });

  const dms = (harness: Harness) => harness.slack.callsTo('chat.postMessage').map((c) => String(c.args.text));

  it('looks an unanswered send up in Twilio’s log afterwards: found, it is followed to delivery, never sent again', async () => {
    const d = directory();
    const harness = await start({
      TWILIO_TIMEOUT_MS: '300',
      SMS_UNKNOWN_LOOKUP_AFTER: '2s',
      SMS_STATUS_POLL_MS: '20',
    });
    // Twilio creates the message after the bot gave up waiting (at 0.6 s; the look-up comes at about 2.3 s), and
    // still holds it in its queue then: no send date yet, and it is found all the same.
    harness.twilio.slowMs = 600;
    const p = await person({ mobile: MAGIC_TO.slow });
    await lookup(harness, p.code);
    await confirm(harness);
    await waitFor(() => harness.slack.responses.length === 1, 10_000, 'the outcome');
    expect(privateMessages(harness)[0]).toContain('Outcome unknown');
    await waitFor(() => dms(harness).some((t) => t.includes('Delivered')), 15_000, 'the delivery, by DM');
    const [list] = harness.twilio.listRequests;
    const query = new URLSearchParams(list?.query);
    expect(query.get('To')).toBe(MAGIC_TO.slow);
    expect(query.get('From')).toBe(String(harness.env.TWILIO_FROM_NUMBER));
    expect(harness.twilio.createRequests).toHaveLength(1);
    const [row] = await auditRows(harness);
    expect(row).toMatchObject({ result: 'delivered', smsLookup: 'found', directoryStep: { result: 'set' } });
    expect(row?.messageSid).toBe(harness.twilio.sent[0]?.sid);
    expect(await d.bind(p.dn, textedPassword(harness))).toBe('must_change');
    expect(harness.logs.text).not.toContain(textedPassword(harness));
  });

  it('treats an unanswered send Twilio has no record of as failed: the password scrambled, the admin told', async () => {
    const d = directory();
    const harness = await start({ TWILIO_TIMEOUT_MS: '300', SMS_UNKNOWN_LOOKUP_AFTER: '1s' });
    harness.twilio.slowMs = 600;
    harness.twilio.loseSlowMessages = true;
    const p = await person({ mobile: MAGIC_TO.slow });
    await lookup(harness, p.code);
    await confirm(harness);
    await waitFor(() => harness.slack.responses.length === 1, 10_000, 'the outcome');
    const password = textedPassword(harness);
    expect(await d.bind(p.dn, password)).toBe('must_change');
    await waitFor(() => dms(harness).some((t) => t.includes('Text not sent')), 15_000, 'the not-sent notice');
    const notice = dms(harness).find((t) => t.includes('Text not sent')) ?? '';
    expect(notice).toContain(`randomised`);
    expect(notice).toContain('Run /resetpw again');
    expect(notice).not.toContain(password);
    expect(await d.bind(p.dn, password)).toBe('invalid');
    expect(harness.twilio.createRequests).toHaveLength(1);
    expect((await auditRows(harness))[0]).toMatchObject({
      result: 'failed',
      smsLookup: 'not_found',
      directoryStep: { result: 'scrambled', detail: 'sms_not_found' },
    });
    const cliOut: string[] = [];
    await runCli(
      ['audit'],
      { DATABASE_URL: String(harness.env.DATABASE_URL) },
      (line) => cliOut.push(line),
      () => undefined,
    );
    expect(cliOut.join('\n')).toContain('log: not_found');
  });

  it('scrambles the password when the text is reported undelivered', async () => {
    const d = directory();
    const harness = await start({ SMS_STATUS_POLL_MS: '20' });
    const p = await person({ mobile: DELIVERY_TO.unreachable });
    await lookup(harness, p.code);
    await confirm(harness);
    await waitFor(() => harness.slack.responses.length === 2, 10_000, 'the delivery follow-up');
    expect(await d.bind(p.dn, textedPassword(harness))).toBe('invalid');
    const followUp = privateMessages(harness)[1];
    expect(followUp).toContain('Not delivered');
    expect(followUp).toContain('then randomised');
    expect((await auditRows(harness))[0]).toMatchObject({
      result: 'undelivered',
      directoryStep: { result: 'scrambled', detail: 'undelivered:30003' },
    });
  });

  it('resets once when the confirmation arrives twice', async () => {
    const harness = await start();
    const p = await person();
    await lookup(harness, p.code);
    const stored = harness.slack.lastViewFor(ADMIN);
    // The confirmation as the admin submitted it: twice at once (double click, two replicas), then replayed.
    const replay = { viewId: stored?.id ?? '', view: stored?.view ?? {} };
    await Promise.all([harness.driver.submit(ADMIN, {}, replay), harness.driver.submit(ADMIN, {}, replay)]);
    await harness.driver.submit(ADMIN, {}, replay);
    await waitFor(() => harness.slack.responses.length >= 1, 10_000, 'the outcome');
    await new Promise((r) => setTimeout(r, 300));
    expect(harness.twilio.createRequests).toHaveLength(1);
    const rows = await auditRows(harness);
    expect(rows.filter((r) => r.directoryStep?.result === 'set')).toHaveLength(1);
  });

  it('resets whom the lookup showed, not whom a changed confirmation names', async () => {
    const d = directory();
    const harness = await start();
    const shown = await person();
    const other = await person();
    await lookup(harness, shown.code);
    const view = harness.slack.lastViewFor(ADMIN)?.view ?? {};
    const meta = JSON.parse(String(view.private_metadata)) as Record<string, string>;
    const tampered = JSON.stringify({ ...meta, code: other.code, accountId: other.dn });
    const ack = await harness.driver.submit(ADMIN, {}, { privateMetadata: tampered });
    expect(JSON.stringify(ack.body)).toContain('The form came back changed');
    expect(harness.twilio.createRequests).toHaveLength(0);
    expect(await d.bind(other.dn, other.password)).toBe('ok');
    expect((await auditRows(harness))[0]).toMatchObject({
      result: 'invalid',
      errorCode: 'INVALID_METADATA:metadata_changed',
    });
  });

  it('gives the mapped message when the bot account lacks the right to reset, and changes nothing', async () => {
    const d = directory();
    const harness = await start(d.unprivilegedBotEnv());
    const p = await person();
    const before = await d.snapshot(p.dn);
    await lookup(harness, p.code);
    await confirm(harness);
    await waitFor(() => harness.slack.responses.length === 1, 10_000, 'the outcome');
    const [message] = privateMessages(harness);
    expect(message).toContain("The bot's directory account lacks a right");
    expect(message).toContain(d.missingRightWords);
    expect(harness.twilio.createRequests).toHaveLength(0);
    expect(await d.snapshot(p.dn)).toEqual(before);
    expect((await auditRows(harness))[0]).toMatchObject({
      result: 'failed',
      errorCode: 'DIRECTORY_ACCESS_DENIED',
      directoryStep: { result: 'failed', detail: 'DIRECTORY_ACCESS_DENIED' },
    });
  });
}
