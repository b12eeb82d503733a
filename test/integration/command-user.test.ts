import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_IDS } from '../../src/views/reset-modal.js';
import { FakeOkta } from '../fakes/fake-okta.js';
import { ADMIN, type Harness, NON_ADMIN, startHarness, waitFor } from '../helpers/harness.js';
import { OktaPeople } from '../helpers/okta-people.js';

type Block = { block_id?: string; element?: { initial_value?: string } };

const JANE = 'U0JANE001';

/** `/resetpw @jane`: the form filled from the directory account with that Slack user's email, or a private sentence. */
describe('/resetpw @user', () => {
  let okta: FakeOkta;
  let people: OktaPeople;
  let h: Harness | undefined;
  beforeAll(async () => {
    okta = await new FakeOkta().start();
    people = new OktaPeople(okta);
    await people.add({ login: 'jane', code: 'E-2001', name: 'Jane Doe', email: 'Jane.Doe@Example.com', password: 'x' });
    await people.add({ login: 'twin1', code: 'E-2002', email: 'twins@example.com', password: 'x' });
    await people.add({ login: 'twin2', code: 'E-2003', email: 'twins@example.com', password: 'x' });
  });
  afterAll(async () => {
    await okta.stop();
  });
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  const start = async (env: Record<string, string> = people.botEnv()) => {
    h = await startHarness({
      env,
      before: ({ slack }) => {
        // Slack keeps the address as the person typed it; the directory is asked without regard to case.
        slack.addUser(JANE, 'jane.doe@example.com', { name: 'Jane Doe' });
        slack.addUser('U0TWINS01', 'twins@example.com', { name: 'Twin' });
        slack.addUser('U0STRANGR', 'stranger@example.com', { name: 'Stray <!channel> *Person*' });
        slack.usersWithoutEmail.set('U0BOTUSER', { id: 'U0BOTUSER', name: 'Some Bot', isBot: true });
      },
    });
    return h;
  };
  const codeField = (harness: Harness) => {
    const view = harness.slack.callsTo('views.open').at(-1)?.args.view as { blocks: Block[] } | undefined;
    return view?.blocks.find((b) => b.block_id === BLOCK_IDS.code)?.element;
  };
  /** The private answer to a command that opened no form. */
  const answer = async (harness: Harness, user: string, text: string) => {
    const before = harness.slack.responses.length;
    await harness.driver.command(user, { text });
    await waitFor(() => harness.slack.responses.length === before + 1, 5000, 'the private answer');
    const body = harness.slack.responses.at(-1)?.body as { response_type?: string; text?: string };
    expect(body.response_type).toBe('ephemeral');
    return String(body.text);
  };

  it('opens the lookup step with the code of the account whose email is on the Slack profile', async () => {
    const bot = await start();
    for (const text of [`<@${JANE}|jane>`, ` <@${JANE}> `]) {
      const before = bot.slack.callsTo('views.open').length;
      await bot.driver.command(ADMIN, { text });
      await waitFor(() => bot.slack.callsTo('views.open').length === before + 1, 5000, 'the form');
      expect(codeField(bot)?.initial_value).toBe('E-2001');
    }
    expect(bot.slack.callsTo('users.info').map((c) => c.args.user)).toEqual([JANE, JANE]);
    // Okta was asked for the email (Slack's spelling), never for a password.
    expect(okta.callsTo('GET', /^\/api\/v1\/users$/).length).toBeGreaterThanOrEqual(2);
    expect(bot.slack.responses).toHaveLength(0);
  });

  it('checks the caller is an admin first: a non-admin is refused and nobody is looked up', async () => {
    const bot = await start();
    const text = await answer(bot, NON_ADMIN, `<@${JANE}|jane>`);
    expect(text).toContain('Not allowed');
    expect(bot.slack.callsTo('users.info')).toHaveLength(0);
    expect(bot.slack.callsTo('views.open')).toHaveLength(0);
  });

  it('answers every dead end privately, with no form', async () => {
    const bot = await start();
    expect(await answer(bot, ADMIN, '<@U0NOBODY1>')).toBe(
      'Slack does not know <@U0NOBODY1>, or the bot may not see them. Use `/resetpw` with their employee code instead.',
    );
    expect(await answer(bot, ADMIN, '<@U0BOTUSER|somebot>')).toContain(
      '<@U0BOTUSER> has no email address on their Slack profile',
    );
    const stranger = await answer(bot, ADMIN, '<@U0STRANGR>');
    expect(stranger).toBe(
      'No account in Okta has <@U0STRANGR>’s email, `stranger@example.com`. Check the email in Okta. Use `/resetpw` with their employee code instead.',
    );
    expect(await answer(bot, ADMIN, '<@U0TWINS01|twin>')).toContain(
      '2 accounts in Okta have <@U0TWINS01>’s email, `twins@example.com`, so the bot cannot tell which one is theirs.',
    );
    expect(bot.slack.callsTo('views.open')).toHaveLength(0);
    expect(bot.logs.text).not.toContain('"level":50');
  });

  it('names the missing scope, whichever it is', async () => {
    const bot = await start();
    bot.slack.scopes = bot.slack.scopes.filter((s) => s !== 'users:read.email');
    expect(await answer(bot, ADMIN, `<@${JANE}>`)).toContain(
      'The bot may not read Slack users’ email addresses: its token lacks the `users:read.email` scope.',
    );
    bot.slack.scopes = bot.slack.scopes.filter((s) => s !== 'users:read');
    expect(await answer(bot, ADMIN, `<@${JANE}>`)).toContain('its token lacks the `users:read` scope');
    expect(bot.slack.callsTo('views.open')).toHaveLength(0);
  });

  it('says so when the directory does not answer in time, instead of losing the form to an expired trigger', async () => {
    const bot = await start();
    okta.failNext(/^GET \/api\/v1\/users$/, { status: 200, body: [], delayMs: 3000 });
    const text = await answer(bot, ADMIN, `<@${JANE}>`);
    expect(text).toMatch(/^The bot could not get an answer from Okta in time, so nothing was changed/);
    expect(bot.slack.callsTo('views.open')).toHaveLength(0);
  });

  it('needs a directory: with DIRECTORY=none it says so', async () => {
    const bot = await start({});
    expect(await answer(bot, ADMIN, `<@${JANE}|jane>`)).toBe(
      '`/resetpw @user` finds the person in the company directory by their email, and this bot has no directory (DIRECTORY=none). Use `/resetpw` with their employee code instead.',
    );
    expect(bot.slack.callsTo('users.info')).toHaveLength(0);
  });

  it('explains a name Slack passed as typed (a command installed without should_escape), to anyone', async () => {
    const bot = await start();
    for (const user of [ADMIN, NON_ADMIN]) {
      expect(await answer(bot, user, '@jane.doe')).toContain(
        'Slack passed “@jane.doe” to the bot as plain text, not as a Slack user',
      );
    }
    expect(bot.slack.callsTo('users.info')).toHaveLength(0);
    expect(bot.slack.callsTo('usergroups.users.list')).toHaveLength(0);
  });
});
