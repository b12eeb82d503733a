import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditStore } from '../../src/ports/index.js';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore } from '../../src/store/database.js';
import { HOME_ACTION_IDS, HOME_BLOCK_IDS } from '../../src/views/app-home.js';
import { DIRECTORY_CALLBACK_IDS } from '../../src/views/directory-modal.js';
import { CALLBACK_ID } from '../../src/views/reset-modal.js';
import { confirm, lookup } from '../directory/bot-steps.js';
import { FakeOkta } from '../fakes/fake-okta.js';
import { homeViewProblem } from '../fakes/fake-slack.js';
import {
  ADMIN,
  ADMIN_GROUP,
  type Harness,
  type HarnessOptions,
  NON_ADMIN,
  OTHER_ADMIN,
  startHarness,
  waitFor,
} from '../helpers/harness.js';
import { OktaPeople } from '../helpers/okta-people.js';

const JANE = { name: 'Jane Doe', code: 'E-1042', phone: '+15005550006' };

type Block = {
  type: string;
  block_id?: string;
  text?: { type: string; text: string };
  elements?: { type?: string; text?: string; action_id?: string }[];
};
type View = { type: string; blocks: Block[] };

/** The resets a Home lists, as a reader sees them: who (plain text) and the state line under it. */
function resetsOn(view: View | undefined): { who: string; state: string }[] {
  const blocks = view?.blocks ?? [];
  return blocks
    .filter((b) => /^home_reset_\d+$/.test(b.block_id ?? ''))
    .map((b) => ({
      who: b.text?.text ?? '',
      state: blocks.find((s) => s.block_id === `${b.block_id}_state`)?.elements?.[0]?.text ?? '',
    }));
}

const homeOf = (h: Harness, user: string) => h.slack.homes.get(user) as View | undefined;
const publishesFor = (h: Harness, user: string) =>
  h.slack.callsTo('views.publish').filter((c) => c.args.user_id === user);

/** Writes rows through the real audit store on the bot's own database, as resets of the past would have. */
async function withAudit(h: Harness, work: (audit: AuditStore) => Promise<void>): Promise<void> {
  const store = await openStore(String(h.env.DATABASE_URL));
  try {
    await work(createAuditStore(store.db));
  } finally {
    await store.close();
  }
}

const entry = (adminUserId: string, name: string, code: string, n = 0): AuditEntry => ({
  requestId: `req-${adminUserId}-${code}-${n}`,
  teamId: 'T0RESETPW',
  adminUserId,
  employee: { name, code, phoneE164: '+14155552671' },
  directory: { kind: 'ldap', accountId: `uid=${code},ou=people,dc=test`, login: code.toLowerCase() },
});

describe('the App Home', () => {
  let h: Harness | undefined;
  let okta: FakeOkta | undefined;
  afterEach(async () => {
    await h?.stop();
    await okta?.stop();
    h = undefined;
    okta = undefined;
  });
  const start = async (options: HarnessOptions = {}) => {
    h = await startHarness(options);
    return h;
  };

  it('shows an admin the button and only their own resets, each in its state, newest first', async () => {
    const bot = await start();
    await withAudit(bot, async (audit) => {
      const at = async (who: string, name: string, code: string, steps: (id: string) => Promise<unknown>) =>
        steps(await audit.begin(entry(who, name, code)));
      await at(ADMIN, 'Sam Sending', 'E-1', async () => undefined);
      await at(ADMIN, 'Sid Sent', 'E-2', (id) =>
        audit.finish(id, { result: 'sent', messageSid: 'SM2', directoryStep: { result: 'set' } }),
      );
      await at(ADMIN, 'Dee Delivered', 'E-3', async (id) => {
        await audit.finish(id, { result: 'sent', messageSid: 'SM3', directoryStep: { result: 'set' } });
        await audit.recordDelivery(id, { status: 'delivered' }, 'delivered');
      });
      await at(ADMIN, 'Chad Changed', 'E-4', async (id) => {
        await audit.finish(id, { result: 'sent', messageSid: 'SM4', directoryStep: { result: 'set' } });
        await audit.recordDelivery(id, { status: 'delivered' }, 'delivered');
        // The password watch's word for the employee's own change.
        await audit.moveDirectoryStep(id, ['set'], { result: 'changed' });
      });
      await at(ADMIN, 'Eve Expired', 'E-5', async (id) => {
        await audit.finish(id, { result: 'sent', messageSid: 'SM5', directoryStep: { result: 'set' } });
        await audit.moveDirectoryStep(id, ['set'], { result: 'scrambled', detail: 'expired' });
      });
      await at(ADMIN, 'Uma Undelivered', 'E-6', async (id) => {
        await audit.finish(id, { result: 'sent', messageSid: 'SM6', directoryStep: { result: 'set' } });
        await audit.recordDelivery(id, { status: 'undelivered', errorCode: 30003 }, 'undelivered');
        await audit.moveDirectoryStep(id, ['set'], { result: 'scrambled', detail: 'undelivered' });
      });
      await at(ADMIN, 'Fay Failed', 'E-7', (id) =>
        audit.finish(id, { result: 'failed', errorCode: 'SMS_UNREACHABLE', directoryStep: { result: 'failed' } }),
      );
      await at(ADMIN, 'Una Unknown', 'E-8', (id) =>
        audit.finish(id, { result: 'unknown', errorCode: 'SMS_OUTCOME_UNKNOWN', directoryStep: { result: 'set' } }),
      );
      // Not resets: a refusal and a rejected form are not listed.
      await audit.record(entry(ADMIN, 'Rex Refused', 'E-9'), { result: 'refused', errorCode: 'ACCOUNT_PROTECTED' });
      await audit.record(entry(ADMIN, 'Ivy Invalid', 'E-10'), { result: 'invalid', errorCode: 'INVALID_FORM:x' });
      // Another admin's reset of a name that must never show on this Home.
      await at(OTHER_ADMIN, 'Olga Other', 'E-11', (id) =>
        audit.finish(id, { result: 'sent', messageSid: 'SM11', directoryStep: { result: 'set' } }),
      );
    });

    await bot.driver.homeOpened(ADMIN);
    await waitFor(() => homeOf(bot, ADMIN) !== undefined, 5000, 'the Home');
    const view = homeOf(bot, ADMIN);
    const [publish] = publishesFor(bot, ADMIN);
    expect(publish?.args.user_id).toBe(ADMIN);
    expect(view?.type).toBe('home');
    const button = view?.blocks.find((b) => b.block_id === HOME_BLOCK_IDS.actions)?.elements?.[0];
    expect(button).toMatchObject({
      type: 'button',
      action_id: HOME_ACTION_IDS.reset,
      text: { text: 'Reset a password' },
    });
    const listed = resetsOn(view);
    expect(listed.map((r) => r.who)).toEqual([
      'Una Unknown (E-8) · +•••••••2671',
      'Fay Failed (E-7) · +•••••••2671',
      'Uma Undelivered (E-6) · +•••••••2671',
      'Eve Expired (E-5) · +•••••••2671',
      'Chad Changed (E-4) · +•••••••2671',
      'Dee Delivered (E-3) · +•••••••2671',
      'Sid Sent (E-2) · +•••••••2671',
      'Sam Sending (E-1) · +•••••••2671',
    ]);
    expect(listed.map((r) => /\*([^*]+)\*/.exec(r.state)?.[1])).toEqual([
      'Outcome unknown',
      'Failed',
      'Scrambled',
      'Expired',
      'Changed',
      'Delivered',
      'Sent',
      'Sending',
    ]);
    expect(listed[2]?.state).toContain('The text was not delivered, so the password was randomised.');
    // Times as Slack date tokens, each reader in their own time zone.
    for (const r of listed) expect(r.state).toMatch(/reset <!date\^\d+\^\{date_short_pretty\} at \{time\}\|[^>]+ UTC>/);
    const everything = JSON.stringify(view);
    for (const absent of ['Olga', 'Rex', 'Ivy']) expect(everything).not.toContain(absent);
    expect(everything).not.toMatch(/SM\d/);
  });

  it('shows everyone else one sentence and whom to ask, and nobody’s resets', async () => {
    const bot = await start();
    // Even rows under their own id (an admin once, since removed from the group) are not shown.
    await withAudit(bot, async (audit) => {
      await audit.finish(await audit.begin(entry(NON_ADMIN, 'Nina Former', 'E-20')), { result: 'sent' });
      await audit.finish(await audit.begin(entry(ADMIN, 'Adam Admins', 'E-21')), { result: 'sent' });
    });
    await bot.driver.homeOpened(NON_ADMIN);
    await waitFor(() => homeOf(bot, NON_ADMIN) !== undefined, 5000, 'the Home');
    const view = homeOf(bot, NON_ADMIN);
    expect(view?.blocks).toEqual([
      {
        type: 'section',
        block_id: HOME_BLOCK_IDS.intro,
        text: {
          type: 'mrkdwn',
          text: `This bot lets IT admins reset an employee’s password by texting them a temporary one; if you need yours reset, ask <!subteam^${ADMIN_GROUP}>.`,
        },
      },
    ]);
  });

  it('shows an admin the non-admin Home when membership cannot be checked (fail closed)', async () => {
    const bot = await start();
    await withAudit(bot, async (audit) => {
      await audit.finish(await audit.begin(entry(ADMIN, 'Adam Admins', 'E-21')), { result: 'sent' });
    });
    bot.slack.failNext('usergroups.users.list', { error: 'missing_scope', times: 3 });
    await bot.driver.homeOpened(ADMIN);
    await waitFor(() => homeOf(bot, ADMIN) !== undefined, 5000, 'the Home');
    expect(JSON.stringify(homeOf(bot, ADMIN))).not.toContain('Adam');
    expect(homeOf(bot, ADMIN)?.blocks.some((b) => b.block_id === HOME_BLOCK_IDS.actions)).toBe(false);
    expect(bot.logs.entries()).toContainEqual(
      expect.objectContaining({ level: 40, errorCode: 'ADMIN_CHECK_FAILED', msg: expect.stringContaining('Home') }),
    );
  });

  it('publishes nothing when the Messages tab is opened', async () => {
    const bot = await start();
    const delivery = await bot.driver.homeOpened(ADMIN, 'messages');
    expect(delivery.status).toBe(200);
    await bot.driver.homeOpened(NON_ADMIN);
    await waitFor(() => homeOf(bot, NON_ADMIN) !== undefined, 5000, 'the other Home');
    expect(publishesFor(bot, ADMIN)).toHaveLength(0);
  });

  it('is published again as the admin’s reset goes out and is delivered; another admin’s are not', async () => {
    // The delivery report comes well after the send's own refresh, so each of the two publishes is seen.
    const bot = await start({ env: { SMS_STATUS_POLL_MS: '700' } });
    await bot.driver.homeOpened(ADMIN);
    await waitFor(() => homeOf(bot, ADMIN) !== undefined, 5000, 'the Home');
    expect(resetsOn(homeOf(bot, ADMIN))).toEqual([]);
    expect(JSON.stringify(homeOf(bot, ADMIN))).toContain('You have not reset a password yet.');

    await bot.driver.command(ADMIN);
    await waitFor(() => bot.slack.callsTo('views.open').length === 1, 5000, 'the form');
    await bot.driver.submit(ADMIN, JANE);
    await waitFor(
      () => resetsOn(homeOf(bot, ADMIN))[0]?.state.includes('*Sent*') === true,
      5000,
      'the Home showing the text sent',
    );
    await waitFor(
      () => resetsOn(homeOf(bot, ADMIN))[0]?.state.includes('*Delivered*') === true,
      8000,
      'the Home showing the delivery',
    );
    expect(resetsOn(homeOf(bot, ADMIN))).toEqual([
      { who: 'Jane Doe (E-1042) · +•••••••0006', state: expect.stringContaining('The text reached the phone.') },
    ]);

    // The other admin never opened their Home: their reset publishes nothing, and is not on ADMIN's.
    const before = publishesFor(bot, ADMIN).length;
    await bot.driver.command(OTHER_ADMIN);
    await waitFor(() => bot.slack.callsTo('views.open').length === 2, 5000, 'the other form');
    await bot.driver.submit(OTHER_ADMIN, { ...JANE, name: 'Otto Others', code: 'E-2002' });
    await waitFor(() => bot.slack.responses.length >= 4, 8000, 'the other reset and its delivery');
    await new Promise((resolve) => setTimeout(resolve, 700)); // past the refresh's coalescing delay
    expect(publishesFor(bot, OTHER_ADMIN)).toHaveLength(0);
    expect(publishesFor(bot, ADMIN)).toHaveLength(before);
    expect(JSON.stringify(homeOf(bot, ADMIN))).not.toContain('Otto');
  });

  it('is published again when the admin’s temporary password expires (a real 10 s TTL, the local Okta)', async () => {
    okta = await new FakeOkta().start();
    const people = new OktaPeople(okta);
    await people.add({
      login: 'eve',
      code: 'E-3001',
      name: 'Eve Expiry',
      mobile: '+15005550006',
      password: 'Old-1-xyzzy',
    });
    const bot = await start({ env: people.botEnv({ TEMP_PASSWORD_TTL: '10s' }) });
    await bot.driver.homeOpened(ADMIN);
    await waitFor(() => homeOf(bot, ADMIN) !== undefined, 5000, 'the Home');
    await lookup(bot, 'E-3001');
    await confirm(bot);
    await waitFor(() => resetsOn(homeOf(bot, ADMIN))[0]?.state.includes('*Sent*') === true, 5000, 'the reset listed');
    // The expiry's DM to the admin is the notice the refresh rides on; the Home follows it.
    await waitFor(
      () => resetsOn(homeOf(bot, ADMIN))[0]?.state.includes('*Expired*') === true,
      20_000,
      'the Home showing the expiry',
    );
    expect(resetsOn(homeOf(bot, ADMIN))[0]?.who).toBe('Eve Expiry (E-3001) · +•••••••0006');
  }, 40_000);

  it('opens the typed form from the button, and tells the result by DM (no channel to answer in)', async () => {
    const bot = await start();
    await bot.driver.homeOpened(ADMIN);
    await waitFor(() => homeOf(bot, ADMIN) !== undefined, 5000, 'the Home');
    const press = await bot.driver.homeButton(ADMIN);
    expect(press.status).toBe(200);
    expect(press.body).toBe('');
    await waitFor(() => bot.slack.callsTo('views.open').length === 1, 5000, 'the form');
    const [open] = bot.slack.callsTo('views.open');
    expect(open?.args.trigger_id).toBe(press.triggerId);
    const view = open?.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(CALLBACK_ID);
    expect(JSON.parse(view.private_metadata)).toEqual({ teamId: 'T0RESETPW' });

    const submitted = await bot.driver.submit(ADMIN, JANE);
    expect(JSON.stringify(submitted.body)).toContain('Sending');
    await waitFor(() => bot.slack.callsTo('chat.postMessage').length === 1, 5000, 'the DM');
    const [opened] = bot.slack.callsTo('conversations.open');
    expect(opened?.args.users).toBe(ADMIN);
    const [dm] = bot.slack.callsTo('chat.postMessage');
    expect(String(dm?.args.text)).toContain('Temporary password sent');
    expect(String(dm?.args.text)).toContain('Jane Doe');
    expect(bot.slack.responses).toHaveLength(0);
    await waitFor(() => bot.slack.callsTo('views.update').length === 1, 5000, 'the modal result');
    await waitFor(() => resetsOn(homeOf(bot, ADMIN)).length === 1, 5000, 'the Home listing it');
  });

  it('works over Socket Mode too: the opening as an events_api envelope, the button as an interactive one', async () => {
    const bot = await start({ mode: 'socket' });
    const opened = await bot.driver.homeOpened(ADMIN);
    expect(opened.body).toBe('');
    await waitFor(() => homeOf(bot, ADMIN) !== undefined, 5000, 'the Home');
    const press = await bot.driver.homeButton(ADMIN);
    await waitFor(() => bot.slack.callsTo('views.open').length === 1, 5000, 'the form');
    expect(bot.slack.callsTo('views.open')[0]?.args.trigger_id).toBe(press.triggerId);
  });

  it('opens the directory’s lookup step from the button when a directory is configured', async () => {
    okta = await new FakeOkta().start();
    const bot = await start({ env: new OktaPeople(okta).botEnv() });
    const press = await bot.driver.homeButton(ADMIN);
    await waitFor(() => bot.slack.callsTo('views.open').length === 1, 5000, 'the form');
    const [open] = bot.slack.callsTo('views.open');
    expect(open?.args.trigger_id).toBe(press.triggerId);
    expect(open?.args.view).toMatchObject({ callback_id: DIRECTORY_CALLBACK_IDS.lookup });
  });

  it('refuses the button to a non-admin: no form, a DM, an audit row and the Home without the button', async () => {
    const bot = await start();
    await bot.driver.homeButton(NON_ADMIN);
    await waitFor(() => homeOf(bot, NON_ADMIN) !== undefined, 5000, 'the Home published again');
    expect(bot.slack.callsTo('views.open')).toHaveLength(0);
    expect(homeOf(bot, NON_ADMIN)?.blocks.some((b) => b.block_id === HOME_BLOCK_IDS.actions)).toBe(false);
    await waitFor(() => bot.slack.callsTo('chat.postMessage').length === 1, 5000, 'the refusal by DM');
    expect(bot.slack.callsTo('conversations.open')[0]?.args.users).toBe(NON_ADMIN);
    expect(String(bot.slack.callsTo('chat.postMessage')[0]?.args.text)).toContain('Not allowed');
    await withAudit(bot, async (audit) => {
      const rows = await audit.list({ limit: 5 });
      expect(rows).toEqual([
        expect.objectContaining({ adminUserId: NON_ADMIN, result: 'refused', errorCode: 'NOT_ADMIN' }),
      ]);
    });
  });

  it('tells the admin by DM when the button’s form could not open in time', async () => {
    const bot = await start();
    await bot.driver.homeButton(ADMIN, { triggerIssuedAt: Date.now() - 10_000 });
    await waitFor(() => bot.slack.callsTo('chat.postMessage').length === 1, 5000, 'the DM');
    expect(String(bot.slack.callsTo('chat.postMessage')[0]?.args.text)).toContain('The form took too long to open');
  });

  it('stays within Slack’s limits whatever the history: long, hostile names and many rows', async () => {
    const bot = await start();
    const hostile = `*bold* _it_ ~s~ \`code\` <!channel> <@U0ADMIN02> &amp; \u202Eevil\u0007 ${'🙂'.repeat(3000)}`;
    await withAudit(bot, async (audit) => {
      for (let i = 0; i < 40; i++) {
        const id = await audit.begin(entry(ADMIN, `${hostile}${i}`, `E-${i}`.padEnd(200, '9'), i));
        await audit.finish(id, { result: 'sent', messageSid: `SM${i}`, directoryStep: { result: 'set' } });
      }
      // A flood of refusals on top does not push the resets out.
      for (let i = 0; i < 30; i++) {
        await audit.record(entry(ADMIN, 'x', 'E-R', i), { result: 'rate_limited', errorCode: 'RATE_LIMITED' });
      }
    });
    await bot.driver.homeOpened(ADMIN);
    await waitFor(() => homeOf(bot, ADMIN) !== undefined, 5000, 'the Home');
    const view = homeOf(bot, ADMIN) as View;
    expect(homeViewProblem(view as unknown as Record<string, unknown>)).toBeUndefined();
    const listed = resetsOn(view);
    expect(listed).toHaveLength(15);
    for (const { who } of listed) {
      expect([...who].length).toBeLessThanOrEqual(140);
      expect(who).toContain('…');
      expect(who.includes('\u202E') || who.includes('\u0007')).toBe(false);
      expect(who).toContain('\\u{202e}evil\\u{7}');
    }
    // Names are plain text (read literally, no emoji shortcodes); only the bot's own words are mrkdwn.
    const names = view.blocks.filter((b) => /^home_reset_\d+$/.test(b.block_id ?? ''));
    expect(names.every((b) => b.text?.type === 'plain_text')).toBe(true);
    const mrkdwn = view.blocks.flatMap((b) => [
      ...(b.text?.type === 'mrkdwn' ? [b.text.text] : []),
      ...(b.elements ?? []).filter((e) => e.type === 'mrkdwn').map((e) => e.text ?? ''),
    ]);
    expect(mrkdwn.join('\n')).not.toMatch(/<!channel>|<@U0ADMIN02>|bold/);
    expect(bot.logs.text).not.toContain('"level":50');
  });
});
