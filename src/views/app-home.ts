import type { types } from '@slack/bolt';
import { maskPhone } from '../domain/phone.js';
import { escapeHidden } from '../domain/text.js';
import type { AuditRecord } from '../ports/index.js';
import { slackTime } from '../user-messages.js';
import { escapeMrkdwn } from './outcome.js';

/** Stable identifiers shared by the builder, the button's listener and the tests. */
export const HOME_BLOCK_IDS = {
  intro: 'home_intro',
  actions: 'home_actions',
  resetsHeader: 'home_resets_header',
  empty: 'home_resets_empty',
  footer: 'home_footer',
} as const;
export const HOME_ACTION_IDS = { reset: 'home_reset_password' } as const;
/** Each shown reset's blocks: `home_reset_<n>` (who) and `home_reset_<n>_state` (state and times), n from 0. */
export const homeResetBlockId = (index: number) => `home_reset_${index}`;

/**
 * How many of an admin's resets the Home shows: two blocks each keeps the view far below Slack's 100 blocks, and a
 * long history costs one indexed query, never a bigger view.
 */
export const HOME_RESETS_SHOWN = 15;
/** The audit results that are resets (something was sent, or may have been); refusals and rejected forms are not. */
export const HOME_RESULTS = ['sending', 'sent', 'delivered', 'undelivered', 'failed', 'unknown'] as const;

/** What the Home says a reset is now. */
export type HomeState = 'sending' | 'sent' | 'delivered' | 'changed' | 'expired' | 'scrambled' | 'failed';

export interface HomeResetState {
  readonly state: HomeState;
  readonly label: string;
  readonly emoji: string;
  /** One sentence, the bot's own words (no data from the row). */
  readonly words: string;
}

/** Longer names are cut: the Home lists resets, it is not where a name is read in full. */
const NAME_SHOWN = 80;
const CODE_SHOWN = 32;

/**
 * A reset's state from its audit row: what became of the password in the directory first (the employee's own
 * change, an expiry, a scramble), then what became of the text. Undefined for rows that are not resets.
 */
export function homeStateOf(r: AuditRecord): HomeResetState | undefined {
  const directory = r.directoryStep?.result;
  const detail = r.directoryStep?.detail;
  if (directory === 'changed') {
    return state('changed', ':tada:', 'Changed', 'The employee has set a password of their own.');
  }
  if (directory === 'scrambled' && detail === 'expired') {
    return state('expired', ':hourglass:', 'Expired', 'Not used in time: the temporary password was randomised.');
  }
  // A scramble under way (its claim is taken before the directory is touched) is shown as what it is about to be.
  if (directory === 'scrambled' || directory === 'scrambling') {
    return state('scrambled', ':lock:', 'Scrambled', scrambledWords(detail));
  }
  const handBack =
    directory === 'scramble_failed'
      ? ' The password could not be randomised: reset or disable the account by hand.'
      : '';
  switch (r.result) {
    case 'sending':
      return state('sending', ':hourglass_flowing_sand:', 'Sending', 'The reset is under way.');
    case 'sent':
      return state('sent', ':outbox_tray:', 'Sent', `Twilio took the text; no delivery report yet.${handBack}`);
    case 'delivered':
      return state('delivered', ':white_check_mark:', 'Delivered', `The text reached the phone.${handBack}`);
    case 'undelivered':
      return state('failed', ':x:', 'Not delivered', `The text did not reach the phone.${handBack}`);
    case 'failed':
      return state('failed', ':x:', 'Failed', `Nothing usable reached the employee.${handBack}`);
    case 'unknown':
      return state(
        'failed',
        ':grey_question:',
        'Outcome unknown',
        `The bot cannot tell whether the text went out.${handBack}`,
      );
    default:
      return undefined;
  }
}

function state(s: HomeState, emoji: string, label: string, words: string): HomeResetState {
  return { state: s, emoji, label, words };
}

function scrambledWords(detail: string | undefined): string {
  // The delivery tracker writes `undelivered:<Twilio's error code or status>`.
  if (detail?.startsWith('undelivered')) return 'The text was not delivered, so the password was randomised.';
  if (detail === 'sms_not_found') return 'Twilio never sent the text, so the password was randomised.';
  if (detail === 'interrupted') return 'The bot was interrupted mid-reset, so the password was randomised.';
  if (detail?.startsWith('SMS_')) return 'The text did not go out, so the password was randomised.';
  return 'The password was randomised: nobody knows it.';
}

/** For admins: the button that opens the form, and their own recent resets (undefined: they could not be read). */
export function buildAdminHome(o: {
  resets: readonly AuditRecord[] | undefined;
  directoryLabel?: string;
}): types.HomeView {
  const shown = (o.resets ?? [])
    .map((r) => ({ r, s: homeStateOf(r) }))
    .filter((x): x is { r: AuditRecord; s: HomeResetState } => x.s !== undefined)
    .slice(0, HOME_RESETS_SHOWN);
  const where = o.directoryLabel ? `, set in ${o.directoryLabel}` : '';
  const list: types.KnownBlock[] =
    shown.length > 0
      ? shown.flatMap(({ r, s }, i) => resetBlocks(r, s, i))
      : [
          {
            type: 'section',
            block_id: HOME_BLOCK_IDS.empty,
            text: mrkdwn(
              o.resets === undefined
                ? ':warning: Your recent resets could not be read just now. Open this tab again in a minute.'
                : 'You have not reset a password yet.',
            ),
          },
        ];
  return {
    type: 'home',
    blocks: [
      {
        type: 'section',
        block_id: HOME_BLOCK_IDS.intro,
        text: mrkdwn(
          `Reset an employee’s password: they get a temporary password by text${where}, and must change it at first sign-in. You never see it.`,
        ),
      },
      {
        type: 'actions',
        block_id: HOME_BLOCK_IDS.actions,
        elements: [
          {
            type: 'button',
            action_id: HOME_ACTION_IDS.reset,
            style: 'primary',
            text: { type: 'plain_text', text: 'Reset a password' },
          },
        ],
      },
      { type: 'divider' },
      {
        type: 'header',
        block_id: HOME_BLOCK_IDS.resetsHeader,
        text: { type: 'plain_text', text: 'Your recent resets' },
      },
      ...list,
      {
        type: 'context',
        block_id: HOME_BLOCK_IDS.footer,
        elements: [
          mrkdwn(
            `Your last ${HOME_RESETS_SHOWN} resets at most, newest first, as they stand now. Other admins’ resets are not shown; the audit channel and \`resetpw audit\` have them all.`,
          ),
        ],
      },
    ],
  };
}

/** Who (as plain text, so nothing in a name is read as markup) and, below, the state and its times. */
function resetBlocks(r: AuditRecord, s: HomeResetState, index: number): types.KnownBlock[] {
  const name = shorten(r.employee?.name ?? '', NAME_SHOWN) || 'An employee';
  const code = r.employee?.code ? ` (${shorten(r.employee.code, CODE_SHOWN)})` : '';
  const phone = r.employee?.phoneE164 ? ` · ${maskPhone(r.employee.phoneE164)}` : '';
  const created = seconds(r.createdAt);
  const updated = seconds(r.updatedAt);
  // The row changes with the state; a minute's difference is worth a second time.
  const since = updated !== undefined && created !== undefined && updated - created >= 60;
  const times = [
    created !== undefined ? `reset ${slackTime(created)}` : undefined,
    since ? `last change ${slackTime(updated)}` : undefined,
  ].filter(Boolean);
  return [
    {
      type: 'section',
      block_id: homeResetBlockId(index),
      text: { type: 'plain_text', text: `${name}${code}${phone}`, emoji: false },
    },
    {
      type: 'context',
      block_id: `${homeResetBlockId(index)}_state`,
      elements: [mrkdwn(`${s.emoji} *${s.label}* · ${s.words}${times.length ? ` · ${times.join(' · ')}` : ''}`)],
    },
  ];
}

/** For everyone else: what the bot does and whom to ask; nobody's resets. */
export function buildMemberHome(o: { adminGroup: string }): types.HomeView {
  const group = /^S[A-Z0-9]+$/.test(o.adminGroup) ? `<!subteam^${o.adminGroup}>` : escapeMrkdwn(o.adminGroup);
  return {
    type: 'home',
    blocks: [
      {
        type: 'section',
        block_id: HOME_BLOCK_IDS.intro,
        text: mrkdwn(
          `This bot lets IT admins reset an employee’s password by texting them a temporary one; if you need yours reset, ask ${group}.`,
        ),
      },
    ],
  };
}

/** Hidden characters written out, then cut to `max` characters (a cut name ends in …). */
function shorten(text: string, max: number): string {
  // By code point, so a cut never splits an emoji or another character outside the BMP in two.
  const visible = [...escapeHidden(text.trim())];
  return visible.length > max ? `${visible.slice(0, max - 1).join('')}…` : visible.join('');
}

function seconds(iso: string): number | undefined {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text });
