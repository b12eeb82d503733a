import { verifySlackRequest } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { signSlackRequest, slackHeaders } from '../fakes/slack-signing.js';

// Slack's published example (docs.slack.dev/authentication/verifying-requests-from-slack).
const VECTOR = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: 1531420618,
  body:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
    '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com' +
    '%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};

describe('the test harness signer', () => {
  it("reproduces Slack's published test vector", () => {
    expect(signSlackRequest(VECTOR.secret, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it('produces headers that Bolt itself verifies, and a changed body that it rejects', () => {
    const headers = slackHeaders(VECTOR.secret, VECTOR.body, VECTOR.timestamp);
    expect(headers['Content-Type']).toBe('application/x-www-form-urlencoded');
    const verify = (body: string) =>
      verifySlackRequest({
        signingSecret: VECTOR.secret,
        body,
        headers: {
          'x-slack-signature': headers['X-Slack-Signature'],
          'x-slack-request-timestamp': VECTOR.timestamp,
        },
        nowMilliseconds: VECTOR.timestamp * 1000,
      });
    expect(() => verify(VECTOR.body)).not.toThrow();
    expect(() => verify(`${VECTOR.body}&x=1`)).toThrow(/signature mismatch/);
  });
});
