import type { types } from '@slack/bolt';
import { ACTION_IDS, BLOCK_IDS, LIMITS } from './reset-modal.js';
import { methodBlock, type OfferedMethod } from './verification-modal.js';

/**
 * The two steps of the form when a directory is configured: the employee code (and a reason), then a
 * confirmation showing who the directory says that is. Name and number are never typed: they come from the
 * directory.
 */
export const DIRECTORY_CALLBACK_IDS = { lookup: 'resetpw_lookup', confirm: 'resetpw_confirm' } as const;

type ModalView = types.ModalView;
type Block = types.KnownBlock;

export function buildLookupModal(o: {
  privateMetadata: string;
  directoryLabel: string;
  /** Typed after the command (`/resetpw E1042`): the code field starts with it. */
  code?: string;
}): ModalView {
  return {
    type: 'modal',
    callback_id: DIRECTORY_CALLBACK_IDS.lookup,
    private_metadata: o.privateMetadata,
    title: plain('Reset a password'),
    submit: plain('Look up'),
    close: plain('Cancel'),
    blocks: [
      context(
        `The name and mobile number come from ${o.directoryLabel}; you confirm before anything changes. The employee gets a temporary password by text. You will not see it.`,
      ),
      {
        type: 'input',
        block_id: BLOCK_IDS.code,
        label: plain('Employee code'),
        hint: plain('As in the directory: letters, digits and dashes.'),
        element: {
          type: 'plain_text_input',
          action_id: ACTION_IDS.code,
          max_length: LIMITS.code,
          placeholder: plain('E-1042'),
          ...(o.code ? { initial_value: o.code } : {}),
        },
      },
      {
        type: 'input',
        block_id: BLOCK_IDS.reason,
        label: plain('Reason or ticket'),
        optional: true,
        element: {
          type: 'plain_text_input',
          action_id: ACTION_IDS.reason,
          max_length: LIMITS.reason,
          multiline: true,
          placeholder: plain('e.g. INC-20931, locked out after holiday'),
        },
      },
    ],
  };
}

export interface ConfirmDetails {
  /** Already escaped for mrkdwn. */
  readonly name: string;
  readonly login: string;
  readonly code: string;
  readonly maskedPhone: string;
  readonly locked: boolean;
}

export function buildConfirmView(o: {
  privateMetadata: string;
  directoryLabel: string;
  employee: ConfirmDetails;
  /** VERIFY_EMPLOYEE: the ways to verify the employee offered before the reset (none: verification is off). */
  verify?: readonly OfferedMethod[];
}): ModalView {
  const e = o.employee;
  const verify = o.verify ?? [];
  return {
    type: 'modal',
    callback_id: DIRECTORY_CALLBACK_IDS.confirm,
    private_metadata: o.privateMetadata,
    title: plain('Confirm the reset'),
    submit: plain(verify.length > 0 ? 'Continue' : 'Reset password'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'section',
        fields: [
          mrkdwn(`*Employee*\n${e.name}`),
          mrkdwn(`*Directory id*\n\`${e.login}\``),
          mrkdwn(`*Employee code*\n${e.code}`),
          mrkdwn(`*Mobile on record*\n${e.maskedPhone}`),
          mrkdwn(`*Account*\n${e.locked ? ':lock: Locked by failed logins (the reset unlocks it)' : 'Active'}`),
        ],
      },
      {
        type: 'section',
        text: mrkdwn(
          `This sets a temporary password in ${o.directoryLabel}, which must be changed at next login, and texts it to the number on record. You will not see it.`,
        ),
      },
      ...(verify.length > 0 ? [methodBlock(verify)] : []),
      context(
        'Wrong person or number? Cancel, and fix the directory first: the bot only ever texts the number on record.',
      ),
    ],
  };
}

/** `code` must already be escaped for mrkdwn. */
export function buildResettingView(code: string, directoryLabel: string): ModalView {
  return {
    type: 'modal',
    callback_id: DIRECTORY_CALLBACK_IDS.confirm,
    title: plain('Reset a password'),
    close: plain('Close'),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `:hourglass_flowing_sand: *Resetting…*\nSetting a temporary password in ${directoryLabel} for employee ${code} and texting it to the number on record.`,
        ),
      },
      context('You can close this; the result will also be posted to you privately.'),
    ],
  };
}

function plain(text: string) {
  return { type: 'plain_text' as const, text };
}

function mrkdwn(text: string) {
  return { type: 'mrkdwn' as const, text };
}

function context(text: string): Block {
  return { type: 'context', elements: [mrkdwn(text)] };
}
