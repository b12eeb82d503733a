import { afterEach, describe, expect, it } from 'vitest';
import { BLOCK_IDS } from '../../src/views/reset-modal.js';
import { FakeOkta } from '../fakes/fake-okta.js';
import { ADMIN, type Harness, NON_ADMIN, startHarness, waitFor } from '../helpers/harness.js';
import { OktaPeople } from '../helpers/okta-people.js';

type Block = { block_id?: string; element?: { initial_value?: string } };

/** What may follow `/resetpw`: an employee code to start the form with, `help`, or text it answers privately. */
describe('/resetpw with text after it', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });
  const codeField = (harness: Harness) => {
    const view = harness.slack.callsTo('views.open').at(-1)?.args.view as { blocks: Block[] } | undefined;
    return view?.blocks.find((b) => b.block_id === BLOCK_IDS.code)?.element;
  };

  it('opens the form with the code filled in: `/resetpw E-1042`', async () => {
    h = await startHarness();
    await h.driver.command(ADMIN, { text: '  E-1042 ' });
    await waitFor(() => h?.slack.callsTo('views.open').length === 1, 5000, 'the form');
    expect(codeField(h)?.initial_value).toBe('E-1042');
    // And without text, an empty field as before.
    await h.driver.command(ADMIN);
    await waitFor(() => h?.slack.callsTo('views.open').length === 2, 5000, 'the second form');
    expect(codeField(h)?.initial_value).toBeUndefined();
  });

  it('fills the code in the directory’s lookup step too', async () => {
    const okta = await new FakeOkta().start();
    try {
      h = await startHarness({ env: new OktaPeople(okta).botEnv() });
      await h.driver.command(ADMIN, { text: 'E-2001' });
      await waitFor(() => h?.slack.callsTo('views.open').length === 1, 5000, 'the form');
      expect(codeField(h)?.initial_value).toBe('E-2001');
    } finally {
      await h?.stop();
      h = undefined;
      await okta.stop();
    }
  });

  it('answers `/resetpw help` privately with the usage, to anyone, opening nothing and auditing nothing', async () => {
    h = await startHarness();
    for (const user of [ADMIN, NON_ADMIN]) {
      const before = h.slack.responses.length;
      await h.driver.command(user, { text: 'HELP' });
      await waitFor(() => h?.slack.responses.length === before + 1, 5000, 'the help');
      const answer = (h.slack.responses.at(-1)?.body ?? {}) as { response_type?: string; text?: string };
      expect(answer.response_type).toBe('ephemeral');
      expect(answer.text).toContain('`/resetpw E-1042` opens it with that employee code filled in');
    }
    expect(h.slack.callsTo('views.open')).toHaveLength(0);
    expect(h.slack.callsTo('usergroups.users.list')).toHaveLength(0);
  });

  it('answers text it does not take with a private sentence, not a form or a crash', async () => {
    h = await startHarness();
    for (const text of ['<#C0HELPDESK|it-helpdesk>', '<@U0JANE01> E-1042', 'E 1042', 'rm -rf /', '*bold*']) {
      const before = h.slack.responses.length;
      await h.driver.command(ADMIN, { text });
      await waitFor(() => h?.slack.responses.length === before + 1, 5000, 'the answer');
      expect(String((h.slack.responses.at(-1)?.body as { text?: string } | undefined)?.text)).toMatch(
        /^That is not something \/resetpw takes\. `\/resetpw` opens the form\./,
      );
    }
    expect(h.slack.callsTo('views.open')).toHaveLength(0);
    expect(h.logs.text).not.toContain('"level":50');
  });
});
