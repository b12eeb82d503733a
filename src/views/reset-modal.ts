import type { types } from '@slack/bolt';

/** Stable identifiers shared by the view builders, the submission parser and the tests. */
export const CALLBACK_ID = 'resetpw_modal';
export const BLOCK_IDS = {
  name: 'employee_name',
  code: 'employee_code',
  phone: 'employee_phone',
  reason: 'reset_reason',
} as const;
export const ACTION_IDS = {
  name: 'employee_name_input',
  code: 'employee_code_input',
  phone: 'employee_phone_input',
  reason: 'reset_reason_input',
} as const;
export const LIMITS = { name: 100, code: 32, phone: 32, reason: 300 } as const;

type ModalView = types.ModalView;
type Block = types.KnownBlock;

export interface ResetModalOptions {
  readonly privateMetadata: string;
  readonly defaultCountry: string;
  /** Typed after the command (`/resetpw E1042`): the code field starts with it. */
  readonly code?: string;
}

export function buildResetModal({ privateMetadata, defaultCountry, code }: ResetModalOptions): ModalView {
  return {
    type: 'modal',
    callback_id: CALLBACK_ID,
    private_metadata: privateMetadata,
    title: plain('Reset a password'),
    submit: plain('Send password'),
    close: plain('Cancel'),
    blocks: [
      context('The employee gets a new temporary password by text message. You will not see it.'),
      input(BLOCK_IDS.name, ACTION_IDS.name, 'Employee full name', LIMITS.name, { placeholder: 'Jane Doe' }),
      input(BLOCK_IDS.code, ACTION_IDS.code, 'Employee code', LIMITS.code, {
        placeholder: 'E-1042',
        hint: 'Letters, digits and dashes.',
        ...(code ? { initialValue: code } : {}),
      }),
      input(BLOCK_IDS.phone, ACTION_IDS.phone, 'Mobile phone number', LIMITS.phone, {
        placeholder: '+1 415 555 2671',
        hint: `The text goes to this number. Without a leading +, it is read as a ${defaultCountry} number.`,
      }),
      input(BLOCK_IDS.reason, ACTION_IDS.reason, 'Reason or ticket', LIMITS.reason, {
        optional: true,
        multiline: true,
        placeholder: 'e.g. INC-20931, locked out after holiday',
      }),
    ],
  };
}

/** `employeeName` must already be escaped for mrkdwn. */
export function buildSendingView(employeeName: string, maskedPhone: string): ModalView {
  return {
    type: 'modal',
    callback_id: CALLBACK_ID,
    title: plain('Reset a password'),
    close: plain('Close'),
    blocks: [
      section(
        `:hourglass_flowing_sand: *Sending…*\nTexting a temporary password to ${employeeName} at ${maskedPhone}.`,
      ),
      context('You can close this; the result will also be posted to you privately.'),
    ],
  };
}

export interface ResultViewContent {
  readonly emoji: string;
  readonly title: string;
  readonly lines: readonly string[];
}

export function buildResultView({ emoji, title, lines }: ResultViewContent): ModalView {
  return {
    type: 'modal',
    callback_id: CALLBACK_ID,
    title: plain('Reset a password'),
    close: plain('Done'),
    blocks: [section(`${emoji} *${title}*\n${lines.join('\n')}`)],
  };
}

function plain(text: string) {
  return { type: 'plain_text' as const, text };
}

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function context(text: string): Block {
  return { type: 'context', elements: [{ type: 'mrkdwn', text }] };
}

interface InputOptions {
  readonly placeholder?: string;
  readonly hint?: string;
  readonly optional?: boolean;
  readonly multiline?: boolean;
  readonly initialValue?: string;
}

function input(blockId: string, actionId: string, label: string, maxLength: number, opts: InputOptions): Block {
  return {
    type: 'input',
    block_id: blockId,
    label: plain(label),
    optional: opts.optional ?? false,
    ...(opts.hint ? { hint: plain(opts.hint) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: actionId,
      max_length: maxLength,
      multiline: opts.multiline ?? false,
      ...(opts.placeholder ? { placeholder: plain(opts.placeholder) } : {}),
      ...(opts.initialValue ? { initial_value: opts.initialValue } : {}),
    },
  };
}
