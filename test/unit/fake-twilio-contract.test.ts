import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, FAKE_FROM, FakeTwilio } from '../fakes/fake-twilio.js';

// The Message schema from Twilio's OpenAPI spec (twilio/twilio-oai, MIT; see test/fixtures/LICENSE.twilio-oai).
const spec = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/twilio-message.schema.json'), 'utf8'));

/** Keeps the fake honest: what it answers must be what Twilio's own spec says a Message looks like. */
describe('fake Twilio contract', () => {
  let fake: FakeTwilio;
  beforeAll(async () => {
    fake = await new FakeTwilio().start();
  });
  afterAll(async () => {
    await fake.stop();
  });

  const create = (params: Record<string, string>) =>
    fetch(`${fake.url}/2010-04-01/Accounts/${FAKE_ACCOUNT_SID}/Messages.json`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${FAKE_ACCOUNT_SID}:${FAKE_AUTH_TOKEN}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(params).toString(),
    });

  it('answers 201 with a body that validates against api.v2010.account.message', async () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    // Twilio's own formats (OpenAPI extensions); checked by shape elsewhere, accepted here.
    for (const f of ['currency', 'uri-map', 'date-time-rfc-2822', 'phone-number', 'uri']) ajv.addFormat(f, true);
    ajv.addSchema(spec, 'twilio');
    const validate = ajv.getSchema('twilio#/components/schemas/api.v2010.account.message');
    const res = await create({ To: '+15005550006', From: FAKE_FROM, Body: 'hello' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(validate?.(body), JSON.stringify(validate?.errors)).toBe(true);
    expect(validate?.({ ...body, status: 'weird' })).toBe(false);
  });

  it('answers errors in Twilio’s shape', async () => {
    const res = await create({ To: '+15005550001', From: FAKE_FROM, Body: 'x' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      code: 21211,
      message: "Invalid 'To' Phone Number",
      more_info: 'https://www.twilio.com/docs/errors/21211',
      status: 400,
    });
  });
});
