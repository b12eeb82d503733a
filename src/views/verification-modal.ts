import type { types } from '@slack/bolt';
import { z } from 'zod';
import type { VerificationRecord } from '../ports/index.js';
import type { ViewStateValues } from './reset-form.js';

/**
 * Verifying the employee in the modal (VERIFY_EMPLOYEE): the method chosen on the confirmation step, then, for a code,
 * a step where the admin types what the employee reads out. Pure builders with their ids.
 */
export const VERIFY_IDS = {
  methodBlock: 'verify_method',
  methodAction: 'verify_method_choice',
  codeBlock: 'verify_code',
  codeAction: 'verify_code_input',
} as const;
export const VERIFY_CALLBACK_ID = 'resetpw_verify_code';
/** The modal while the employee is asked in Slack (its submit: text a code instead). */
export const VERIFY_APPROVAL_CALLBACK_ID = 'resetpw_verify_approval';

/** The methods the confirmation offers, in the order shown; `skip` only when verification is optional. */
export type OfferedMethod = 'code' | 'slack_approval' | 'directory_factor' | 'skip';

const LABELS: Record<OfferedMethod, { text: string; description: string }> = {
  code: {
    text: 'Text a code to the number on record',
    description: 'The employee reads the 6 digits back to you; the reset goes ahead only with the right code.',
  },
  slack_approval: {
    text: 'Ask the employee to approve in Slack',
    description: 'A DM to their own Slack account; the reset goes ahead when they press "Yes, I asked for this".',
  },
  directory_factor: {
    text: 'Push to the employee’s Okta Verify',
    description: 'A push to the app they enrolled with the directory; the reset goes ahead when they approve it.',
  },
  skip: {
    text: 'Skip: I have verified the employee another way',
    description: 'Recorded in the audit as skipped, with your name.',
  },
};

/** The confirmation's input block: how the employee is verified before anything changes. */
export function methodBlock(offered: readonly OfferedMethod[]): types.KnownBlock {
  return {
    type: 'input',
    block_id: VERIFY_IDS.methodBlock,
    label: { type: 'plain_text', text: 'Verify the employee first' },
    hint: {
      type: 'plain_text',
      text: 'A caller who only claims to be the employee is how help-desk resets are abused.',
    },
    element: {
      type: 'radio_buttons',
      action_id: VERIFY_IDS.methodAction,
      options: offered.map((m) => ({
        value: m,
        text: { type: 'plain_text', text: LABELS[m].text },
        description: { type: 'plain_text', text: LABELS[m].description },
      })),
    },
  };
}

/**
 * What the confirmation's submission chose: a method, or an inline error. With verification off there is no block
 * and nothing to choose (`not_required`); a value the modal did not offer (a forged submission) is an error too.
 */
export function parseMethod(
  values: ViewStateValues,
  offered: readonly OfferedMethod[],
): { ok: true; method: VerificationRecord } | { ok: false; errors: Record<string, string> } {
  if (offered.length === 0) return { ok: true, method: 'not_required' };
  const chosen = (values[VERIFY_IDS.methodBlock]?.[VERIFY_IDS.methodAction] as { selected_option?: { value?: string } })
    ?.selected_option?.value;
  if (!chosen || !(offered as readonly string[]).includes(chosen)) {
    return { ok: false, errors: { [VERIFY_IDS.methodBlock]: 'Choose how to verify the employee.' } };
  }
  return {
    ok: true,
    method: chosen === 'skip' ? 'skipped' : (chosen as 'code' | 'slack_approval' | 'directory_factor'),
  };
}

/** The code step: what the admin types, as the employee reads it (spaces and dashes allowed). */
export function buildCodeStepView(o: {
  privateMetadata: string;
  maskedPhone: string;
  minutes: number;
  /** Shown after a code could not be sent, instead of the field. */
  problem?: string;
}): types.ModalView {
  return {
    type: 'modal',
    callback_id: VERIFY_CALLBACK_ID,
    private_metadata: o.privateMetadata,
    title: { type: 'plain_text', text: 'Verify the employee' },
    submit: { type: 'plain_text', text: 'Check code' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:speech_balloon: A 6-digit code is on its way by text to ${o.maskedPhone}, the number on record. Ask the employee to read it to you. It expires in ${o.minutes} minute${o.minutes === 1 ? '' : 's'}; three wrong codes lock verification for this employee.`,
        },
      },
      {
        type: 'input',
        block_id: VERIFY_IDS.codeBlock,
        label: { type: 'plain_text', text: 'Code the employee reads out' },
        element: {
          type: 'plain_text_input',
          action_id: VERIFY_IDS.codeAction,
          max_length: 16,
          placeholder: { type: 'plain_text', text: '482 913' },
        },
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'Nothing has been changed yet: the password is set and texted only after the right code.',
          },
        ],
      },
    ],
  };
}

export function readCode(values: ViewStateValues): string {
  return values[VERIFY_IDS.codeBlock]?.[VERIFY_IDS.codeAction]?.value ?? '';
}

/** The code step's metadata: the confirmation's, and the verification it checks. */
export const verificationIdSchema = z.string().uuid();
