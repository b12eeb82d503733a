import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_ACCOUNT_SID, MAGIC_FROM } from '../fakes/fake-twilio.js';
import { ADMIN, type Harness, type HarnessOptions, startHarness, waitFor } from '../helpers/harness.js';

const GOOD = { name: 'Jane Doe', code: 'E-1042', phone: '+15005550006' };

/** Sender and credential variants, each against the fake Twilio over the wire. */
describe('Twilio configuration', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  async function resetWith(options: HarnessOptions) {
    h = await startHarness(options);
    await h.driver.command(ADMIN);
    await waitFor(() => h?.slack.callsTo('views.open').length === 1, 5000, 'form');
    await h.driver.submit(ADMIN, GOOD);
    await waitFor(() => h?.slack.responses.length === 1, 5000, 'private outcome');
    return { h, text: String(h.slack.responses[0]?.body.text) };
  }

  it('explains rejected credentials (20003)', async () => {
    const { text } = await resetWith({ env: { TWILIO_AUTH_TOKEN: 'wrong-token' } });
    expect(text).toContain('SMS account misconfigured');
    expect(text).toContain('20003');
  });

  it.each([
    [MAGIC_FROM.notOwned, 21606, 'sender misconfigured'],
    [MAGIC_FROM.invalid, 21212, 'sender misconfigured'],
    [MAGIC_FROM.queueFull, 21611, 'sender queue full'],
  ])('explains a bad sender %s (%i)', async (from, code, title) => {
    const { text } = await resetWith({ env: { TWILIO_FROM_NUMBER: from } });
    expect(text).toContain(title);
    expect(text).toContain(String(code));
  });

  it('sends through a Messaging Service with an API key', async () => {
    const apiKey = `SK${'c3'.repeat(16)}`;
    const mg = `MG${'d4'.repeat(16)}`;
    const { h, text } = await resetWith({
      env: {
        TWILIO_AUTH_TOKEN: undefined,
        TWILIO_API_KEY: apiKey,
        TWILIO_API_SECRET: 'api-key-secret',
        TWILIO_FROM_NUMBER: undefined,
        TWILIO_MESSAGING_SERVICE_SID: mg,
      },
      before: ({ twilio }) => twilio.credentials.set(apiKey, 'api-key-secret'),
    });
    expect(text).toContain('Temporary password sent');
    expect(text).toContain('accepted');
    const [req] = h.twilio.createRequests;
    expect(req?.username).toBe(apiKey);
    expect(req?.path).toContain(FAKE_ACCOUNT_SID);
    expect(req?.params).toMatchObject({ MessagingServiceSid: mg, To: '+15005550006' });
    expect(req?.params.From).toBeUndefined();
  });

  it('passes SMS_VALIDITY_SECONDS as ValidityPeriod', async () => {
    const { h } = await resetWith({ env: { SMS_VALIDITY_SECONDS: '300' } });
    expect(h.twilio.createRequests[0]?.params.ValidityPeriod).toBe('300');
  });
});
