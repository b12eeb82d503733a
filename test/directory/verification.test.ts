import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { openStore } from '../../src/store/database.js';
import { VERIFY_CALLBACK_ID, VERIFY_IDS } from '../../src/views/verification-modal.js';
import { ADMIN, type Harness, waitFor } from '../helpers/harness.js';
import { requireSlapd } from '../helpers/slapd.js';
import { useSlapdBot } from '../helpers/slapd-bot.js';
import { auditRows, lookup, textedPassword } from './bot-steps.js';

const AUDIT_CHANNEL = 'C0ITAUDIT';

/**
 * VERIFY_EMPLOYEE through the real bot against the real slapd: the code read back. The code goes to the number on
 * record, the admin types what the employee reads out, and only then is the password set and texted.
 */
describe.runIf(requireSlapd())('verifying the employee before the reset (a code read back)', () => {
  const bot = useSlapdBot({
    prefix: 'ver',
    name: 'Verify',
    env: { VERIFY_EMPLOYEE: 'optional', AUDIT_CHANNEL_ID: AUDIT_CHANNEL, SECURITY_CONTACT: '#it-security' },
  });
  const { start } = bot;
  const person = () => bot.person({ email: null });
  /** The code in the text that reached the employee's phone (the n-th one, from 0). */
  const textedCode = (harness: Harness, index = 0) => {
    const body = harness.twilio.createRequests[index]?.params.Body ?? '';
    return /code is (\d{3}) (\d{3})\./.exec(body)?.slice(1).join('') ?? '';
  };
  const modal = (harness: Harness) => harness.slack.lastViewFor(ADMIN)?.view as { callback_id?: string };
  const shows = (harness: Harness, text: string) =>
    JSON.stringify(harness.slack.lastViewFor(ADMIN)?.view).includes(text);
  const choose = (harness: Harness, verifyMethod?: string) =>
    harness.driver.submit(ADMIN, verifyMethod ? { verifyMethod } : {});
  const codeSent = (harness: Harness, count = 1) =>
    waitFor(() => harness.twilio.createRequests.length >= count, 10_000, 'the code text');
  const appears = (text: string, secret: string) => new RegExp(`(?<!\\d)${secret}(?!\\d)`).test(text);

  it('texts a code, lets the reset go ahead with the right one, and records how the employee was verified', async () => {
    const harness = await start({ SMS_STATUS_POLL_MS: '20' });
    const p = await person();
    const step1 = await lookup(harness, p.code);
    const offered = JSON.stringify(step1.body);
    expect(offered).toContain(VERIFY_IDS.methodBlock);
    expect(offered).toContain('"value":"code"');
    expect(offered).toContain('"value":"skip"');

    const toCode = await choose(harness, 'code');
    expect(toCode.body).toMatchObject({ response_action: 'update', view: { callback_id: VERIFY_CALLBACK_ID } });
    await codeSent(harness);
    const [text] = harness.twilio.createRequests;
    expect(text?.params.To).toBe('+15005550006');
    expect(text?.params.Body).toMatch(
      /^Your IT verification code is \d{3} \d{3}\. Read it only to the IT admin helping you now\. It expires in 5 minutes\.$/,
    );
    // Nothing is changed before the code: the old password still works.
    expect(await bot.people().bind(p.dn, p.password)).toBe('ok');

    const code = textedCode(harness);
    const done = await harness.driver.submit(ADMIN, { verifyCode: `${code.slice(0, 3)} ${code.slice(3)}` });
    expect(JSON.stringify(done.body)).toContain('Resetting');
    await waitFor(() => harness.slack.responses.length >= 1, 10_000, 'the outcome');
    expect(harness.twilio.createRequests).toHaveLength(2);
    // The code's text is blanked at Twilio once final, as the password's is.
    const codeSid = harness.twilio.sent[0]?.sid ?? '';
    await waitFor(() => harness.twilio.storedBody(codeSid) === '', 10_000, 'the code text redacted');
    const password = /password is:\n(\S+)\n/.exec(harness.twilio.createRequests[1]?.params.Body ?? '')?.[1] ?? '';
    expect(await bot.people().bind(p.dn, password)).toBe('must_change');
    const [row] = await auditRows(harness);
    expect(row?.verification).toMatchObject({ method: 'code', failures: 0 });
    expect(row?.verification?.at).toBeDefined();
    const out: string[] = [];
    await runCli(
      ['audit'],
      { DATABASE_URL: String(harness.env.DATABASE_URL) },
      (t) => out.push(t),
      () => undefined,
    );
    expect(out.join('\n')).toContain('verified: code');
    // The code is never logged, never in Slack, never stored.
    expect(appears(harness.logs.text, code)).toBe(false);
    expect(appears(harness.slack.everythingReceived, code)).toBe(false);
    const store = await openStore(String(harness.env.DATABASE_URL));
    try {
      const rows = await store.db.selectFrom('verifications').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]?.state).toBe('used');
      expect(appears(JSON.stringify(rows), code)).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('with VERIFY_EMPLOYEE=required sets no password without a passed verification, and offers no skip', async () => {
    const harness = await start({ VERIFY_EMPLOYEE: 'required' });
    const p = await person();
    const step1 = await lookup(harness, p.code);
    expect(JSON.stringify(step1.body)).not.toContain('"value":"skip"');
    const none = await choose(harness);
    expect(none.body).toMatchObject({
      response_action: 'errors',
      errors: { [VERIFY_IDS.methodBlock]: 'Choose how to verify the employee.' },
    });
    // A forged "skip" is not one of the choices offered.
    const forged = await choose(harness, 'skip');
    expect(forged.body).toMatchObject({ response_action: 'errors' });
    expect(harness.twilio.createRequests).toHaveLength(0);
    expect(await bot.people().bind(p.dn, p.password)).toBe('ok');
  });

  it('locks verification after three wrong codes, alerts security, and refuses a new attempt', async () => {
    const harness = await start();
    const p = await person();
    await lookup(harness, p.code);
    await choose(harness, 'code');
    await codeSent(harness);
    const right = textedCode(harness);
    const wrong = right === '000000' ? '111111' : '000000';
    const first = await harness.driver.submit(ADMIN, { verifyCode: wrong });
    expect(first.body).toMatchObject({
      response_action: 'errors',
      errors: { [VERIFY_IDS.codeBlock]: expect.stringContaining('2 tries left') },
    });
    await harness.driver.submit(ADMIN, { verifyCode: 'not a code' });
    const third = await harness.driver.submit(ADMIN, { verifyCode: wrong });
    expect(JSON.stringify(third.body)).toContain('Verification locked');
    // The right code no longer helps: the attempt is over.
    await harness.driver.submit(ADMIN, { verifyCode: right });
    expect(await bot.people().bind(p.dn, p.password)).toBe('ok');
    await waitFor(
      () => harness.slack.channelHistory(AUDIT_CHANNEL).some((t) => t.includes('Possible impersonation')),
      5000,
      'the alert in the audit channel',
    );
    const alert = harness.slack.channelHistory(AUDIT_CHANNEL).find((t) => t.includes('Possible impersonation'));
    expect(alert).toContain(p.code);
    expect(alert).toContain(`<@${ADMIN}>`);
    expect(harness.slack.channelHistory('#it-security').some((t) => t.includes('Possible impersonation'))).toBe(true);

    // A new form for the same employee: no code goes out while locked.
    const before = harness.twilio.createRequests.length;
    await lookup(harness, p.code);
    await choose(harness, 'code');
    await waitFor(() => shows(harness, 'Verification locked'), 5000, 'the locked answer');
    expect(harness.twilio.createRequests).toHaveLength(before);
    const rows = await auditRows(harness);
    expect(rows.filter((r) => r.errorCode === 'VERIFICATION_LOCKED').length).toBeGreaterThanOrEqual(2);
    expect(rows.some((r) => r.result === 'sent')).toBe(false);
  });

  it('refuses a code whose time ran out, and changes nothing', async () => {
    const harness = await start();
    const p = await person();
    await lookup(harness, p.code);
    await choose(harness, 'code');
    await codeSent(harness);
    const store = await openStore(String(harness.env.DATABASE_URL));
    try {
      await store.db
        .updateTable('verifications')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .execute();
    } finally {
      await store.close();
    }
    const late = await harness.driver.submit(ADMIN, { verifyCode: textedCode(harness) });
    expect(JSON.stringify(late.body)).toContain('Verification expired');
    expect(harness.twilio.createRequests).toHaveLength(1);
    expect(await bot.people().bind(p.dn, p.password)).toBe('ok');
  });

  it('counts the code’s text against the per-phone limit (SMS pumping), and says so', async () => {
    const harness = await start({ RATE_LIMIT_PHONE_PER_DAY: '1' });
    const p = await person();
    await lookup(harness, p.code);
    await choose(harness, 'code');
    await codeSent(harness);
    await lookup(harness, p.code);
    await choose(harness, 'code');
    await waitFor(() => shows(harness, 'rate limit reached'), 5000, 'the rate-limit answer');
    expect(harness.twilio.createRequests).toHaveLength(1);
    expect((await auditRows(harness))[0]).toMatchObject({ result: 'rate_limited', errorCode: 'RATE_LIMITED' });
  });

  it('still lets an admin skip when verification is optional, and records that they did', async () => {
    const harness = await start();
    const p = await person();
    await lookup(harness, p.code);
    await choose(harness, 'skip');
    await waitFor(() => harness.slack.responses.length === 1, 10_000, 'the outcome');
    expect(await bot.people().bind(p.dn, textedPassword(harness))).toBe('must_change');
    expect((await auditRows(harness))[0]?.verification).toEqual({ method: 'skipped' });
    expect(modal(harness)?.callback_id).not.toBe(VERIFY_CALLBACK_ID);
  });
});
