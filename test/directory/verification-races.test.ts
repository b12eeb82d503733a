import { describe, expect, it } from 'vitest';
import { APPROVAL_ACTION_IDS } from '../../src/views/approval.js';
import { ADMIN, type Harness, waitFor } from '../helpers/harness.js';
import { requireSlapd } from '../helpers/slapd.js';
import { useSlapdBot } from '../helpers/slapd-bot.js';
import { lookup } from './bot-steps.js';

const EMPLOYEE = 'U0EMPLOYEE1';

/**
 * What an outsider's attack on the verification found (2026-11-30), kept as regressions, through the real bot and
 * slapd: a lock that a skip or another modal's code walked around, a "No" that locked nothing, a code texted after
 * the employee had already said yes, and a question that outlived the admin's Cancel.
 */
describe.runIf(requireSlapd())('verification under attack', () => {
  const bot = useSlapdBot({
    prefix: 'atk',
    name: 'Attack',
    env: {
      VERIFY_EMPLOYEE: 'optional',
      RATE_LIMIT_PHONE_PER_DAY: '20',
      RATE_LIMIT_EMPLOYEE_PER_DAY: '20',
      RATE_LIMIT_EMPLOYEE_PER_10_MIN: '0',
    },
  });
  const { start } = bot;
  const person = (harness: Harness) => bot.person({ slackUser: { harness, id: EMPLOYEE } });
  const codeAt = (harness: Harness, i: number) =>
    /code is (\d{3}) (\d{3})\./
      .exec(harness.twilio.createRequests[i]?.params.Body ?? '')
      ?.slice(1)
      .join('') ?? '';
  const wrongFor = (right: string) => (right === '000000' ? '111111' : '000000');
  const passwordTexts = (harness: Harness) =>
    harness.twilio.createRequests.filter((r) => String(r.params.Body).includes('temporary password'));
  const questions = (harness: Harness) =>
    harness.slack.callsTo('chat.postMessage').filter((c) => String(c.args.text).includes('Did you ask IT'));
  const lastQuestion = (harness: Harness) => {
    const call = questions(harness).at(-1);
    const channel = String(call?.args.channel);
    const blocks = (call?.args.blocks ?? []) as { elements?: { value?: string }[] }[];
    const value = blocks.flatMap((b) => b.elements ?? [])[0]?.value ?? '';
    const stored = [...harness.slack.messages.values()]
      .filter((m) => m.channel === channel && m.text.includes('Did you ask IT'))
      .at(-1);
    return { channel, ts: stored?.ts ?? '', value };
  };
  const press = (harness: Harness, approve: boolean) =>
    harness.driver.pressMessageButton(EMPLOYEE, {
      actionId: approve ? APPROVAL_ACTION_IDS.approve : APPROVAL_ACTION_IDS.decline,
      ...lastQuestion(harness),
    });
  const modal = (harness: Harness, viewId?: string) =>
    JSON.stringify((viewId ? harness.slack.views.get(viewId) : harness.slack.lastViewFor(ADMIN))?.view ?? {});

  it('after three wrong codes, no reset of that employee at all: not by a skip, not by a code out in another modal', async () => {
    const harness = await start();
    const p = await person(harness);
    // Modal B gets its code first; modal A's three wrong codes then lock the account.
    await lookup(harness, p.code);
    await harness.driver.submit(ADMIN, { verifyMethod: 'code' });
    const viewB = harness.slack.lastViewFor(ADMIN)?.id ?? '';
    await waitFor(() => harness.twilio.createRequests.length === 1, 10_000, 'code B');
    await lookup(harness, p.code);
    await harness.driver.submit(ADMIN, { verifyMethod: 'code' });
    await waitFor(() => harness.twilio.createRequests.length === 2, 10_000, 'code A');
    for (let i = 0; i < 3; i++) await harness.driver.submit(ADMIN, { verifyCode: wrongFor(codeAt(harness, 1)) });
    expect(modal(harness)).toContain('Verification locked');
    const inB = await harness.driver.submit(ADMIN, { verifyCode: codeAt(harness, 0) }, { viewId: viewB });
    expect(JSON.stringify(inB.body)).toContain('Verification locked');
    await lookup(harness, p.code);
    await harness.driver.submit(ADMIN, { verifyMethod: 'skip' });
    await waitFor(() => harness.slack.responses.length >= 1, 10_000, 'the refusal');
    expect(String(harness.slack.responses.at(-1)?.body.text)).toContain('Verification locked');
    expect(passwordTexts(harness)).toHaveLength(0);
    expect(await bot.people().bind(p.dn, p.password)).toBe('ok');
  });

  it('a "No" locks the employee as three wrong codes do: the next question and the next code are refused', async () => {
    const harness = await start({ AUDIT_CHANNEL_ID: 'C0ITAUDIT' });
    const p = await person(harness);
    await lookup(harness, p.code);
    await harness.driver.submit(ADMIN, { verifyMethod: 'slack_approval' });
    await waitFor(() => questions(harness).length === 1, 5000, 'the question');
    await press(harness, false);
    await waitFor(() => modal(harness).includes('The employee said no'), 5000, 'the answer');
    await lookup(harness, p.code);
    await harness.driver.submit(ADMIN, { verifyMethod: 'slack_approval' });
    await waitFor(() => modal(harness).includes('Verification locked'), 5000, 'the lock');
    expect(questions(harness)).toHaveLength(1);
    await lookup(harness, p.code);
    await harness.driver.submit(ADMIN, { verifyMethod: 'code' });
    await waitFor(() => modal(harness).includes('Verification locked'), 5000, 'the lock');
    expect(harness.twilio.createRequests).toHaveLength(0);
  });

  it('sends no code once the employee has said yes, whatever the admin pressed on a stale screen', async () => {
    const harness = await start();
    const p = await person(harness);
    await lookup(harness, p.code);
    await harness.driver.submit(ADMIN, { verifyMethod: 'slack_approval' });
    const viewId = harness.slack.lastViewFor(ADMIN)?.id ?? '';
    const stale = structuredClone(harness.slack.views.get(viewId)?.view ?? {});
    await waitFor(() => questions(harness).length === 1, 5000, 'the question');
    await press(harness, true);
    await waitFor(() => passwordTexts(harness).length === 1, 10_000, 'the password');
    const late = await harness.driver.submit(ADMIN, {}, { viewId, view: stale });
    expect(JSON.stringify(late.body)).toContain('Verification expired');
    await new Promise((r) => setTimeout(r, 500));
    expect(harness.twilio.createRequests).toHaveLength(1);
  });

  it('withdraws the question when the admin cancels: a later "Yes" resets nothing', async () => {
    const harness = await start();
    const p = await person(harness);
    await lookup(harness, p.code);
    await harness.driver.submit(ADMIN, { verifyMethod: 'slack_approval' });
    await waitFor(() => questions(harness).length === 1, 5000, 'the question');
    expect((await harness.driver.closeView(ADMIN)).status).toBe(200);
    const q = lastQuestion(harness);
    await waitFor(
      () => (harness.slack.messages.get(`${q.channel}/${q.ts}`)?.text ?? '').includes('verified you another way'),
      5000,
      'the question closed',
    );
    await press(harness, true);
    await new Promise((r) => setTimeout(r, 500));
    expect(harness.twilio.createRequests).toHaveLength(0);
    expect(await bot.people().bind(p.dn, p.password)).toBe('ok');
  });
});
