import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../src/errors.js';
import type { SlackPeople, SlackUserLookup } from '../../src/ports/index.js';
import { createCodeFromSlackUser } from '../../src/services/code-from-slack-user.js';
import { slackUserProblemText } from '../../src/views/command-help.js';
import { FakeDirectory } from '../fakes/fake-directory.js';
import { LogCapture } from '../helpers/harness.js';

const people = (answer: SlackUserLookup | Promise<SlackUserLookup>): SlackPeople => ({ lookup: async () => answer });
const log = pino({ level: 'info' }, new LogCapture());
const jane = { kind: 'found', name: 'Jane', email: 'jane@example.com' } as const;

/** The use case behind `/resetpw @jane`, against the in-memory directory (the adapters have their own suites). */
describe('the code of a Slack user', () => {
  it('is the employee code of the one account with that email', async () => {
    const directory = new FakeDirectory();
    directory.add({ login: 'jane', employeeCode: ' E-1042 ', email: 'JANE@example.com' });
    const find = createCodeFromSlackUser({ people: people(jane), directory });
    expect(await find('U1', log)).toEqual({ ok: true, code: 'E-1042' });
  });

  it('is none for an account without one', async () => {
    const directory = new FakeDirectory();
    directory.add({ login: 'jane', employeeCode: '', email: 'jane@example.com' });
    const find = createCodeFromSlackUser({ people: people(jane), directory });
    expect(await find('U1', log)).toEqual({
      ok: false,
      why: { kind: 'no_code', name: 'Jane', email: 'jane@example.com' },
    });
  });

  it('passes on what the directory refuses or cannot answer, as an AppError', async () => {
    const directory = new FakeDirectory();
    const odd = createCodeFromSlackUser({ people: people({ ...jane, email: 'jane\u0007@example.com' }), directory });
    expect(await odd('U1', log)).toMatchObject({
      ok: false,
      why: { kind: 'directory_error', error: { code: 'INVALID_EMAIL' } },
    });
    directory.fail.find = new AppError(ErrorCode.DirectoryUnavailable, 'down', { reason: 'timeout' });
    const down = createCodeFromSlackUser({ people: people(jane), directory });
    expect(await down('U1', log)).toMatchObject({
      ok: false,
      why: { kind: 'directory_error', error: { code: 'DIRECTORY_UNAVAILABLE' } },
    });
  });

  it('gives up on Slack within its budget, and never asks a directory it does not have', async () => {
    const never = createCodeFromSlackUser({
      people: people(new Promise(() => undefined)),
      directory: new FakeDirectory(),
      budgetMs: 20,
    });
    expect(await never('U1', log)).toEqual({ ok: false, why: { kind: 'slack_unavailable', reason: 'timeout' } });
    const none = createCodeFromSlackUser({ people: { lookup: () => Promise.reject(new Error('not asked')) } });
    expect(await none('U1', log)).toEqual({ ok: false, why: { kind: 'no_directory' } });
  });

  it('words each dead end without letting names or addresses through as markup', () => {
    const text = slackUserProblemText(
      'U1',
      { kind: 'not_in_directory', name: '<!channel>', email: '`x`<!here>@example.com' },
      { directory: { kind: 'ldap', label: 'OpenLDAP' } },
    );
    expect(text).toBe(
      "No account in OpenLDAP has <@U1>’s email, `'x'&lt;!here&gt;@example.com`. Check the email in OpenLDAP. Use `/resetpw` with their employee code instead.",
    );
    expect(slackUserProblemText('U1', { kind: 'no_code', name: 'J', email: 'j@x.io' }, {})).toContain(
      'has no employee code, which the form needs',
    );
  });
});
