import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/database.js';
import { createVerificationStore } from '../../src/store/verification-store.js';
import { APPROVAL_ACTION_IDS } from '../../src/views/approval.js';
import { VERIFY_APPROVAL_CALLBACK_ID, VERIFY_CALLBACK_ID } from '../../src/views/verification-modal.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import { FakeTwilio } from '../fakes/fake-twilio.js';
import { sleep } from '../fakes/http-util.js';
import { ADMIN, ADMIN_GROUP, type Harness, NON_ADMIN, startHarness, waitFor } from '../helpers/harness.js';
import { requireSlapd } from '../helpers/slapd.js';
import { useSlapdBot } from '../helpers/slapd-bot.js';
import { auditRows, lookup } from './bot-steps.js';

const AUDIT_CHANNEL = 'C0ITAUDIT';
const EMPLOYEE = 'U0EMPLOYEE1';

/**
 * VERIFY_EMPLOYEE's second method through the real bot and the real slapd: the employee's own approval in Slack.
 * The bot DMs the employee (found by the directory's email); only their click counts; "Yes" runs the reset, "No"
 * stops it and alerts security; nobody to ask, or no answer in time, offers the code instead.
 */
describe.runIf(requireSlapd())('verifying the employee by their approval in Slack', () => {
  const bot = useSlapdBot({
    prefix: 'app',
    name: 'Approve',
    env: { VERIFY_EMPLOYEE: 'optional', AUDIT_CHANNEL_ID: AUDIT_CHANNEL },
  });
  const { start } = bot;
  /** The employee's Slack account has their email in capitals: the look-up must not care. */
  const person = (harness: Harness, inSlack = true) =>
    bot.person(inSlack ? { slackUser: { harness, id: EMPLOYEE, emailAs: (e) => e.toUpperCase() } } : {});
  /** The approval question the employee got by DM: its text, its buttons' value, and where it is. */
  const question = (harness: Harness) => {
    const call = harness.slack
      .callsTo('chat.postMessage')
      .find((c) => String(c.args.text).includes('Did you ask IT to reset your password?'));
    if (!call) return undefined;
    const channel = String(call.args.channel);
    const blocks = call.args.blocks as { elements?: { value?: string }[] }[];
    const value = blocks.flatMap((b) => b.elements ?? [])[0]?.value ?? '';
    const stored = [...harness.slack.messages.values()].find(
      (m) => m.channel === channel && m.text.includes('Did you ask IT'),
    );
    return { text: String(call.args.text), channel, ts: stored?.ts ?? '', value };
  };
  const asked = async (harness: Harness) => {
    await waitFor(() => question(harness) !== undefined, 5000, 'the question by DM');
    return question(harness) as NonNullable<ReturnType<typeof question>>;
  };
  const press = (harness: Harness, who: string, approve: boolean, q: NonNullable<ReturnType<typeof question>>) =>
    harness.driver.pressMessageButton(who, {
      actionId: approve ? APPROVAL_ACTION_IDS.approve : APPROVAL_ACTION_IDS.decline,
      value: q.value,
      channel: q.channel,
      ts: q.ts,
    });
  const modalText = (harness: Harness) => JSON.stringify(harness.slack.lastViewFor(ADMIN)?.view ?? {});
  const dmNow = (harness: Harness, q: { channel: string; ts: string }) =>
    harness.slack.messages.get(`${q.channel}/${q.ts}`)?.text ?? '';

  it('asks the employee by DM and runs the reset when they approve; nobody else’s click counts', async () => {
    const harness = await start();
    const p = await person(harness);
    await lookup(harness, p.code, { reason: 'INC-77 locked out' });
    const waiting = await harness.driver.submit(ADMIN, { verifyMethod: 'slack_approval' });
    expect(waiting.body).toMatchObject({
      response_action: 'update',
      view: { callback_id: VERIFY_APPROVAL_CALLBACK_ID },
    });
    expect(JSON.stringify(waiting.body)).toContain('Waiting for the employee');
    const q = await asked(harness);
    expect(q.channel).toBe(`D${EMPLOYEE.slice(1)}`);
    expect(q.text).toContain(`<@${ADMIN}>`);
    expect(q.text).toContain('INC-77 locked out');
    expect(harness.twilio.createRequests).toHaveLength(0);

    // The admin, or anyone else, cannot answer for the employee.
    await press(harness, ADMIN, true, q);
    await press(harness, NON_ADMIN, true, q);
    await new Promise((r) => setTimeout(r, 300));
    expect(harness.twilio.createRequests).toHaveLength(0);
    expect(await bot.people().bind(p.dn, p.password)).toBe('ok');

    await press(harness, EMPLOYEE, true, q);
    await waitFor(() => harness.slack.responses.length >= 1, 10_000, 'the outcome');
    expect(harness.twilio.createRequests).toHaveLength(1);
    const password = /password is:\n(\S+)\n/.exec(harness.twilio.createRequests[0]?.params.Body ?? '')?.[1] ?? '';
    expect(await bot.people().bind(p.dn, password)).toBe('must_change');
    expect(modalText(harness)).toContain('Temporary password set and sent');
    await waitFor(() => dmNow(harness, q).includes('You confirmed that you asked for the reset'), 5000, 'the DM');
    const [row] = await auditRows(harness);
    expect(row?.verification?.method).toBe('slack_approval');
    // An answer counts once: a second click changes nothing.
    await press(harness, EMPLOYEE, true, q);
    await new Promise((r) => setTimeout(r, 300));
    expect(harness.twilio.createRequests).toHaveLength(1);
  });

  it('stops everything when the employee says no, and alerts security', async () => {
    const harness = await start();
    const p = await person(harness);
    await lookup(harness, p.code);
    await harness.driver.submit(ADMIN, { verifyMethod: 'slack_approval' });
    const q = await asked(harness);
    await press(harness, EMPLOYEE, false, q);
    await waitFor(() => modalText(harness).includes('The employee said no'), 5000, 'the modal');
    await waitFor(() => dmNow(harness, q).includes('You said you did not ask for this'), 5000, 'the DM');
    await waitFor(
      () => harness.slack.channelHistory(AUDIT_CHANNEL).some((t) => t.includes('Reset declined by the employee')),
      5000,
      'the alert',
    );
    expect(harness.twilio.createRequests).toHaveLength(0);
    expect(await bot.people().bind(p.dn, p.password)).toBe('ok');
    expect((await auditRows(harness))[0]).toMatchObject({ result: 'refused', errorCode: 'VERIFICATION_DECLINED' });
  });

  it('offers the code when the employee is not in Slack, and the code works', async () => {
    const harness = await start();
    const p = await person(harness, false);
    await lookup(harness, p.code);
    await harness.driver.submit(ADMIN, { verifyMethod: 'slack_approval' });
    await waitFor(() => modalText(harness).includes('cannot be asked in Slack'), 5000, 'the fallback');
    expect(modalText(harness)).toContain('no Slack member has the email the directory holds for them');
    const toCode = await harness.driver.submit(ADMIN, {});
    expect(toCode.body).toMatchObject({ response_action: 'update', view: { callback_id: VERIFY_CALLBACK_ID } });
    await waitFor(() => harness.twilio.createRequests.length === 1, 10_000, 'the code text');
    const code = /code is (\d{3}) (\d{3})\./
      .exec(harness.twilio.createRequests[0]?.params.Body ?? '')
      ?.slice(1)
      .join('');
    await harness.driver.submit(ADMIN, { verifyCode: code ?? '' });
    await waitFor(() => harness.slack.responses.length >= 1, 10_000, 'the outcome');
    expect((await auditRows(harness))[0]?.verification?.method).toBe('code');
  });

  it('offers the code when the employee does not answer in time, and refuses a late click', async () => {
    const harness = await start({ VERIFY_APPROVAL_TTL: '1s' });
    const p = await person(harness);
    await lookup(harness, p.code);
    await harness.driver.submit(ADMIN, { verifyMethod: 'slack_approval' });
    const q = await asked(harness);
    await waitFor(() => modalText(harness).includes('did not answer in time'), 5000, 'the expiry');
    // The modal is told first, then the DM's buttons are replaced (src/services/approval.ts).
    await waitFor(() => dmNow(harness, q).includes('was not answered in time'), 5000, "the DM's answer");
    await press(harness, EMPLOYEE, true, q);
    await new Promise((r) => setTimeout(r, 300));
    expect(harness.twilio.createRequests).toHaveLength(0);
    expect(await bot.people().bind(p.dn, p.password)).toBe('ok');
  });

  it('ends a question whose bot stopped before it ran out: the next bot replaces the buttons and tells the admin', async () => {
    const first = await start({ VERIFY_APPROVAL_TTL: '1s' });
    const p = await person(first);
    await lookup(first, p.code);
    await first.driver.submit(ADMIN, { verifyMethod: 'slack_approval' });
    const q = await asked(first);
    // The process that asked stops before the question runs out: its timer goes with it.
    await first.bot.stop();
    // Past its time and the grace its own timer would have had (both 1 s here): the next start's sweep ends it.
    await sleep(2500);
    expect(modalText(first)).toContain('Waiting for the employee');
    expect(dmNow(first, q)).toContain('Did you ask IT');

    const second = await startHarness({
      fakes: { slack: first.slack, twilio: first.twilio },
      env: bot.people().botEnv({
        VERIFY_EMPLOYEE: 'optional',
        VERIFY_APPROVAL_TTL: '1s',
        DATABASE_URL: String(first.env.DATABASE_URL),
      }),
    });
    try {
      await waitFor(() => modalText(second).includes('did not answer in time'), 5000, 'the admin’s modal told');
      await waitFor(() => dmNow(second, q).includes('was not answered in time'), 5000, 'the DM');
      // A late "Yes" counts for nothing, and the modal's "Text a code instead" still works.
      await press(second, EMPLOYEE, true, q);
      const toCode = await second.driver.submit(ADMIN, {});
      expect(toCode.body).toMatchObject({ response_action: 'update', view: { callback_id: VERIFY_CALLBACK_ID } });
      await waitFor(() => second.twilio.createRequests.length === 1, 10_000, 'the code text');
      expect(second.twilio.createRequests[0]?.params.Body).toContain('verification code');
      expect(await bot.people().bind(p.dn, p.password)).toBe('ok');
    } finally {
      await second.stop();
    }
  });

  it('does not hold up the start for a backlog of questions that ran out while no bot was up', async () => {
    // Five questions of a bot long gone, each with its DM, in the store the next bot opens.
    const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'resetpw-backlog-')), 'resetpw.sqlite')}`;
    const earlier = await openStore(url);
    const rows = createVerificationStore(earlier.db, earlier.engine);
    const old = new Date(Date.now() - 3_600_000);
    for (let i = 0; i < 5; i++) {
      const q = `backlog-${i}`;
      await rows.create(
        {
          id: q,
          viewId: `V-${q}`,
          adminUserId: ADMIN,
          directoryKind: 'ldap',
          accountId: `uid=${q}`,
          employeeCode: `E-${i}`,
          method: 'slack_approval',
          codeHash: '',
          expiresAt: new Date(old.getTime() + 60_000),
        },
        old,
      );
      await rows.setApprovalMessage(q, EMPLOYEE, { channel: 'D0EMPLOYEE', ts: `1.${i}` });
    }
    await earlier.close();
    const slack = await new FakeSlack().start();
    const twilio = await new FakeTwilio().start();
    slack.setGroup(ADMIN_GROUP, [ADMIN]);
    // Slack is slow to take each DM's new text: one after another they take 5 s.
    slack.failNext('chat.update', { delayMs: 1000, times: 5 });
    const harness = await startHarness({
      fakes: { slack, twilio },
      env: bot.people().botEnv({ VERIFY_EMPLOYEE: 'optional', DATABASE_URL: url }),
    });
    try {
      // Started while the first DM is still being updated: the rest of the backlog waits behind it, not the start.
      expect(slack.callsTo('chat.update').length).toBeLessThan(5);
      await waitFor(() => slack.callsTo('chat.update').length === 5, 30_000, 'the backlog worked off');
    } finally {
      await harness.stop();
      await Promise.all([slack.stop(), twilio.stop()]);
    }
  });
});
