import twilio from 'twilio';
import { createTwilioClient } from '../adapters/twilio-sms.js';
import type { Config } from '../config/index.js';
import { transportReason } from '../lib/transport-reason.js';
import { type CheckResult, fail, pass, skip } from './check.js';

const TIMEOUT_MS = 10_000;
/** Twilio's answer to test credentials on anything but sending (they only work with the magic numbers). */
const TEST_CREDENTIALS = 20008;
/** The magic sender that works with test credentials. */
const MAGIC_FROM = '+15005550006';

type Client = ReturnType<typeof twilio>;

/** The Twilio lines: the credentials, then the sender they would text from. Nothing is sent. */
export async function twilioChecks(config: Config['twilio']): Promise<CheckResult[]> {
  const client = createTwilioClient(config, { timeout: TIMEOUT_MS, autoRetry: false });
  const credentials = await credentialsCheck(client, config);
  if (credentials.result.status !== 'pass') {
    return [credentials.result, skip('twilio_sender', 'Twilio sender', 'not checked: the credentials did not work')];
  }
  return [credentials.result, await senderCheck(client, config, credentials.testAccount)];
}

async function credentialsCheck(
  client: Client,
  config: Config['twilio'],
): Promise<{ result: CheckResult; testAccount: boolean }> {
  const title = 'Twilio credentials';
  const live = (result: CheckResult) => ({ result, testAccount: false });
  const which =
    config.auth.kind === 'apiKey'
      ? 'TWILIO_API_KEY and TWILIO_API_SECRET (with TWILIO_ACCOUNT_SID)'
      : 'TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN';
  try {
    if (config.auth.kind === 'authToken') {
      // The account itself: proves the pair and says whether the account may send at all.
      const account = await client.api.v2010.accounts(config.accountSid).fetch();
      return live(
        account.status === 'active'
          ? pass('twilio_credentials', title, `accepted: account ${config.accountSid} is active (${account.type})`)
          : fail(
              'twilio_credentials',
              title,
              `accepted, but the account is ${account.status}`,
              'reactivate the account in the Twilio Console (a suspended or closed account cannot send)',
            ),
      );
    }
    // Standard API keys may not read /Accounts: a one-row listing proves the key instead.
    await client.incomingPhoneNumbers.list({ limit: 1 });
    return live(pass('twilio_credentials', title, `accepted: API key for ${config.accountSid}`));
  } catch (err) {
    if (err instanceof twilio.RestException && err.code === TEST_CREDENTIALS) {
      const detail = 'accepted as test credentials: they only text Twilio’s magic numbers, never a real phone';
      return { result: pass('twilio_credentials', title, detail), testAccount: true };
    }
    if (err instanceof twilio.RestException && (err.status === 401 || err.code === 20003)) {
      return live(
        fail(
          'twilio_credentials',
          title,
          `Twilio rejected ${which} (HTTP 401, error 20003)`,
          `copy ${which} again from the Twilio Console (Account → API keys & tokens)`,
        ),
      );
    }
    return live(fail('twilio_credentials', title, describeTwilioError(err), CHECK_REACH));
  }
}

const CHECK_REACH = 'check this host can reach api.twilio.com over HTTPS (proxy, firewall, DNS), then run doctor again';

async function senderCheck(client: Client, config: Config['twilio'], testAccount: boolean): Promise<CheckResult> {
  const title = 'Twilio sender';
  const { sender } = config;
  try {
    if (sender.kind === 'messagingService') {
      if (testAccount) {
        return fail(
          'twilio_sender',
          title,
          'test credentials cannot send through a Messaging Service',
          'use live credentials, or TWILIO_FROM_NUMBER=+15005550006 while testing',
        );
      }
      const service = await client.messaging.v1.services(sender.messagingServiceSid).fetch();
      return pass(
        'twilio_sender',
        title,
        `Messaging Service ${sender.messagingServiceSid} (${JSON.stringify(service.friendlyName)}) exists`,
      );
    }
    if (testAccount) {
      return sender.from === MAGIC_FROM
        ? pass('twilio_sender', title, `${MAGIC_FROM}, Twilio’s magic sender for test credentials`)
        : fail(
            'twilio_sender',
            title,
            `test credentials only send from ${MAGIC_FROM}`,
            `set TWILIO_FROM_NUMBER=${MAGIC_FROM}, or use live credentials`,
          );
    }
    if (!sender.from.startsWith('+')) {
      return skip(
        'twilio_sender',
        title,
        `${sender.from} is a short code or an alphanumeric sender ID, which Twilio does not list: not checked`,
      );
    }
    const numbers = await client.incomingPhoneNumbers.list({ phoneNumber: sender.from, limit: 1 });
    const number = numbers[0];
    if (!number) {
      return fail(
        'twilio_sender',
        title,
        `${sender.from} is not a phone number of account ${config.accountSid}`,
        'set TWILIO_FROM_NUMBER to one of the account’s numbers (Phone Numbers → Active numbers), or use TWILIO_MESSAGING_SERVICE_SID',
      );
    }
    if (number.capabilities && number.capabilities.sms === false) {
      return fail(
        'twilio_sender',
        title,
        `${sender.from} belongs to the account but cannot send SMS`,
        'choose an SMS-capable number for TWILIO_FROM_NUMBER',
      );
    }
    return pass('twilio_sender', title, `${sender.from} is an SMS-capable number of the account`);
  } catch (err) {
    if (err instanceof twilio.RestException && err.status === 404 && sender.kind === 'messagingService') {
      return fail(
        'twilio_sender',
        title,
        `Messaging Service ${sender.messagingServiceSid} does not exist in account ${config.accountSid}`,
        'copy the MG… SID again from Messaging → Services, or use TWILIO_FROM_NUMBER',
      );
    }
    return fail('twilio_sender', title, describeTwilioError(err), CHECK_REACH);
  }
}

function describeTwilioError(err: unknown): string {
  if (err instanceof twilio.RestException) {
    return `Twilio answered HTTP ${err.status}${err.code ? `, error ${err.code}` : ''}${err.message ? ` (${err.message})` : ''}`;
  }
  return `could not reach Twilio (${transportReason(err)})`;
}
