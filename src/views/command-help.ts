import { COMMAND_USAGE } from './reset-form.js';

/** `/resetpw help`: what the command takes, privately. */
export function helpText(): string {
  return [
    '*/resetpw*: reset an employee’s password. Only members of the admin user group can use it.',
    ...COMMAND_USAGE.map((line) => `• ${line}`),
    'The employee gets a temporary password by text, at the number on record; you never see it.',
  ].join('\n');
}

/** Anything else after the command. */
export function unknownText(): string {
  return `That is not something /resetpw takes. ${COMMAND_USAGE.join(' ')}`;
}
