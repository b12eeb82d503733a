import type { RawEnv } from './env.js';

/**
 * The values `.env.example` ships with, commented out or not. They are well-shaped on purpose, so a `.env` copied
 * and left unedited would pass every format check and only fail later, at the network (having created the
 * database on the way). Start-up and doctor refuse them by name instead. A unit test keeps this list and the file
 * in step.
 */
export const EXAMPLE_VALUES: Readonly<Record<string, string>> = {
  SLACK_BOT_TOKEN: 'xoxb-0000000000-0000000000000-example',
  SLACK_APP_TOKEN: 'xapp-1-A0000000000-0000000000000-example',
  SLACK_ADMIN_GROUP_ID: 'S0614TZR7',
  SLACK_SIGNING_SECRET: '00000000000000000000000000000000',
  TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
  TWILIO_AUTH_TOKEN: '00000000000000000000000000000000',
  TWILIO_API_KEY: 'SK00000000000000000000000000000000',
  TWILIO_API_SECRET: 'example-api-key-secret',
  TWILIO_MESSAGING_SERVICE_SID: 'MG00000000000000000000000000000000',
  LDAP_BIND_PASSWORD: 'example-bind-password',
};

/** One line per variable that still holds its example value. */
export function placeholderProblems(env: RawEnv): string[] {
  return Object.entries(EXAMPLE_VALUES)
    .filter(([name, example]) => env[name]?.trim() === example)
    .map(([name]) => `${name} still holds the example value from .env.example: put your own in .env`);
}
