import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/ports/index.js';
import {
  buildAdminHome,
  buildMemberHome,
  HOME_BLOCK_IDS,
  HOME_RESETS_SHOWN,
  HOME_RESULTS,
  homeStateOf,
} from '../../src/views/app-home.js';
import { homeViewProblem } from '../fakes/fake-slack.js';

const row = (over: Partial<AuditRecord>): AuditRecord => ({
  id: 'r1',
  createdAt: '2026-03-02T10:00:00.000Z',
  updatedAt: '2026-03-02T10:00:00.000Z',
  requestId: 'q1',
  adminUserId: 'U1',
  employee: { name: 'Jane Doe', code: 'E-1042', phoneE164: '+14155552671' },
  result: 'sent',
  ...over,
});

describe('homeStateOf', () => {
  it.each([
    [{ result: 'sending' }, 'sending', 'Sending'],
    [{ result: 'sent', directoryStep: { result: 'set' } }, 'sent', 'Sent'],
    [{ result: 'delivered', directoryStep: { result: 'set' } }, 'delivered', 'Delivered'],
    [{ result: 'delivered', directoryStep: { result: 'changed' } }, 'changed', 'Changed'],
    [{ result: 'delivered', directoryStep: { result: 'scrambled', detail: 'expired' } }, 'expired', 'Expired'],
    [
      { result: 'undelivered', directoryStep: { result: 'scrambled', detail: 'undelivered' } },
      'scrambled',
      'Scrambled',
    ],
    [{ result: 'unknown', directoryStep: { result: 'scrambled', detail: 'interrupted' } }, 'scrambled', 'Scrambled'],
    [{ result: 'undelivered' }, 'failed', 'Not delivered'],
    [{ result: 'failed', errorCode: 'SMS_REJECTED' }, 'failed', 'Failed'],
    [{ result: 'unknown', errorCode: 'SMS_OUTCOME_UNKNOWN' }, 'failed', 'Outcome unknown'],
    // A later reset made the pending scramble moot: the text's own outcome stands.
    [{ result: 'undelivered', directoryStep: { result: 'superseded' } }, 'failed', 'Not delivered'],
  ] as const)('%j is %s', (over, state, label) => {
    expect(homeStateOf(row(over as Partial<AuditRecord>))).toMatchObject({ state, label });
  });

  it('says why a password was randomised, and when it could not be', () => {
    const words = (over: Partial<AuditRecord>) => homeStateOf(row(over))?.words;
    expect(words({ result: 'undelivered', directoryStep: { result: 'scrambled', detail: 'undelivered' } })).toBe(
      'The text was not delivered, so the password was randomised.',
    );
    expect(words({ result: 'unknown', directoryStep: { result: 'scrambled', detail: 'interrupted' } })).toBe(
      'The bot was interrupted mid-reset, so the password was randomised.',
    );
    expect(words({ result: 'failed', directoryStep: { result: 'scrambled', detail: 'SMS_REJECTED' } })).toBe(
      'The text did not go out, so the password was randomised.',
    );
    expect(words({ result: 'unknown', directoryStep: { result: 'scramble_failed' } })).toBe(
      'The bot cannot tell whether the text went out. The password could not be randomised: reset or disable the account by hand.',
    );
  });

  it('leaves out what is not a reset', () => {
    for (const result of ['refused', 'invalid', 'rate_limited'] as const) {
      expect(homeStateOf(row({ result }))).toBeUndefined();
      expect(HOME_RESULTS).not.toContain(result);
    }
  });
});

describe('buildAdminHome', () => {
  it('caps the list and drops rows that are not resets', () => {
    const rows = [row({ result: 'refused' }), ...Array.from({ length: 30 }, (_, i) => row({ id: `r${i}` }))];
    const view = buildAdminHome({ resets: rows });
    const shown = view.blocks.filter((b) => /^home_reset_\d+$/.test(b.block_id ?? ''));
    expect(shown).toHaveLength(HOME_RESETS_SHOWN);
    expect(homeViewProblem(view as unknown as Record<string, unknown>)).toBeUndefined();
  });

  it('keeps the button when the resets could not be read, and says so', () => {
    const view = buildAdminHome({ resets: undefined, directoryLabel: 'OpenLDAP' });
    expect(JSON.stringify(view)).toContain('could not be read just now');
    expect(JSON.stringify(view)).toContain('set in OpenLDAP');
    expect(view.blocks.some((b) => b.block_id === HOME_BLOCK_IDS.actions)).toBe(true);
  });

  it('shows a second time once the state changed a minute or more after the reset', () => {
    const state = (updatedAt: string) =>
      JSON.stringify(
        buildAdminHome({ resets: [row({ updatedAt })] }).blocks.find((b) => b.block_id === 'home_reset_0_state'),
      );
    expect(state('2026-03-02T10:00:30.000Z')).not.toContain('last change');
    expect(state('2026-03-02T10:06:00.000Z')).toContain('last change <!date^1772445960^');
  });

  it('names someone with no name, and cuts names without splitting a character', () => {
    const blank = buildAdminHome({ resets: [row({ employee: { name: '  ' } })] });
    expect(blank.blocks.find((b) => b.block_id === 'home_reset_0')).toMatchObject({
      text: { type: 'plain_text', text: 'An employee', emoji: false },
    });
    const long = buildAdminHome({ resets: [row({ employee: { name: '🙂'.repeat(200) } })] });
    const text = (long.blocks.find((b) => b.block_id === 'home_reset_0') as { text: { text: string } }).text.text;
    expect([...text]).toHaveLength(80);
    expect(text.endsWith('🙂…')).toBe(true);
  });
});

describe('buildMemberHome', () => {
  it('names the admin group as a mention, and nothing a configured value could inject', () => {
    expect(JSON.stringify(buildMemberHome({ adminGroup: 'S0ADMINS1' }))).toContain('ask <!subteam^S0ADMINS1>.');
    expect(JSON.stringify(buildMemberHome({ adminGroup: '<!channel>' }))).toContain('ask &lt;!channel&gt;.');
  });
});
