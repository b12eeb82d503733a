import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_IDS } from '../../src/views/reset-modal.js';
import { FAKE_OKTA_TOKEN, FakeOkta } from '../fakes/fake-okta.js';
import { type Harness, startHarness, waitFor } from '../helpers/harness.js';
import { OktaPeople } from '../helpers/okta-people.js';
import { auditRows, confirm, lookup, privateMessages, textedPassword } from './bot-steps.js';
import { directoryContractSuite } from './contract-suite.js';
import { directoryFlowSuite } from './flow-suite.js';

/** DIRECTORY=okta end to end: the real bot, the real Okta SDK, a local Okta org on loopback. */
describe('reset flow on Okta', () => {
  let okta: FakeOkta;
  let people: OktaPeople;
  beforeAll(async () => {
    okta = await new FakeOkta().start();
    people = new OktaPeople(okta);
  });
  afterAll(async () => {
    await okta?.stop();
  });
  directoryFlowSuite(() => people, { multipleMobiles: false, lockout: true });
  directoryContractSuite(() => people);

  describe('what only a cloud directory does', () => {
    let h: Harness | undefined;
    let n = 0;
    afterEach(async () => {
      await h?.stop();
      h = undefined;
    });
    const start = async (env: Record<string, string> = {}) => {
      h = await startHarness({ env: people.botEnv(env) });
      return h;
    };
    const person = (over: Partial<Parameters<FakeOkta['addUser']>[0]> = {}) => {
      const i = ++n;
      const code = `K-${i}${Date.now().toString(36).slice(-4)}`;
      const password = `Old-Okta-${i}-xyzzy`;
      const id = okta.addUser({
        login: `okta${i}@example.com`,
        employeeNumber: code,
        displayName: `Kim Example${i}`,
        mobilePhone: '+15005550006',
        password,
        ...over,
      });
      return { id, code, password };
    };
    const reset = async (harness: Harness, code: string) => {
      await lookup(harness, code);
      await confirm(harness);
      await waitFor(() => harness.slack.responses.length === 1, 10_000, 'the outcome');
      return privateMessages(harness)[0] ?? '';
    };

    it('signs the employee out of every session right after the set, says so, and records it', async () => {
      const harness = await start();
      const p = person();
      const message = await reset(harness, p.code);
      const password = textedPassword(harness);
      expect(okta.signIn(p.id, password)).toBe('must_change');
      const [revoke] = okta.callsTo('DELETE', new RegExp(`^/api/v1/users/${p.id}/sessions$`));
      expect(revoke).toMatchObject({ query: { oauthTokens: 'true' }, authorization: `SSWS ${FAKE_OKTA_TOKEN}` });
      expect(okta.user(p.id).sessions).toBe(0);
      expect(message).toContain('The employee was signed out of every Okta session.');
      expect((await auditRows(harness))[0]).toMatchObject({
        result: 'sent',
        directory: { kind: 'okta', accountId: p.id },
        directoryStep: { result: 'set', sessions: 'revoked' },
      });
      // Neither the password nor the API token reaches a log line or Slack.
      for (const secret of [password, FAKE_OKTA_TOKEN]) {
        expect(harness.logs.text).not.toContain(secret);
        expect(JSON.stringify(harness.slack.calls)).not.toContain(secret);
      }
    });

    it('resets through an OAuth service app signing in with its private key, never sending the key or a token to a log', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'resetpw-okta-app-'));
      try {
        const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const keyFile = join(dir, 'app.pem');
        const pem = String(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
        writeFileSync(keyFile, pem, { mode: 0o600 });
        okta.addApp('0oaFlowApp', String(pair.publicKey.export({ type: 'spki', format: 'pem' })), [
          'okta.users.read',
          'okta.users.manage',
          'okta.roles.read',
        ]);
        const harness = await start({
          OKTA_API_TOKEN: '',
          OKTA_CLIENT_ID: '0oaFlowApp',
          OKTA_PRIVATE_KEY_FILE: keyFile,
        });
        const p = person();
        const message = await reset(harness, p.code);
        expect(message).toContain('Temporary password set and sent');
        expect(okta.signIn(p.id, textedPassword(harness))).toBe('must_change');
        const [set] = okta.callsTo('POST', new RegExp(`^/api/v1/users/${p.id}$`));
        expect(set?.authorization).toMatch(/^(Bearer|DPoP) at[0-9a-f]{32}$/);
        const issued = [...okta.accessTokens.keys()];
        for (const secret of [pem.split('\n')[1] ?? pem, ...issued]) {
          expect(harness.logs.text).not.toContain(secret);
          expect(JSON.stringify(harness.slack.calls)).not.toContain(secret);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('leaves sessions alone with DIRECTORY_REVOKE_SESSIONS=false', async () => {
      const harness = await start({ DIRECTORY_REVOKE_SESSIONS: 'false' });
      const p = person();
      const message = await reset(harness, p.code);
      expect(okta.callsTo('DELETE', new RegExp(`/users/${p.id}/sessions$`))).toHaveLength(0);
      expect(message).not.toContain('signed out');
      expect((await auditRows(harness))[0]?.directoryStep).toEqual({ result: 'set', marker: expect.any(String) });
    });

    it('keeps the reset when the sign-out is refused, and tells the admin to end the sessions by hand', async () => {
      okta.tokens.set('no-signout', new Set(['sessions']));
      const harness = await start({ OKTA_API_TOKEN: 'no-signout' });
      const p = person();
      const message = await reset(harness, p.code);
      expect(harness.twilio.createRequests).toHaveLength(1);
      expect(message).toContain(
        "Could not sign the employee out of their other Okta sessions (DIRECTORY_ACCESS_DENIED): if the account may be in someone else's hands, end them in Okta now.",
      );
      expect((await auditRows(harness))[0]?.directoryStep).toMatchObject({
        result: 'set',
        sessions: 'DIRECTORY_ACCESS_DENIED',
      });
    });

    it('randomises a password Okta set but would not expire, and texts nothing', async () => {
      okta.tokens.set('no-expire', new Set(['expire']));
      const harness = await start({ OKTA_API_TOKEN: 'no-expire' });
      const p = person();
      const message = await reset(harness, p.code);
      expect(harness.twilio.createRequests).toHaveLength(0);
      const [set, scramble] = okta.callsTo('POST', new RegExp(`^/api/v1/users/${p.id}$`));
      expect(set?.query.strict).toBe('true');
      expect(scramble?.query.strict).toBe('false');
      expect(okta.signIn(p.id, p.password)).toBe('invalid');
      const texted = String(
        (set?.body as { credentials?: { password?: { value?: string } } } | undefined)?.credentials?.password?.value,
      );
      expect(okta.signIn(p.id, texted)).toBe('invalid');
      expect(message).toContain('could not be made to expire, so the bot randomised it and sent nothing');
      expect((await auditRows(harness))[0]).toMatchObject({
        result: 'failed',
        errorCode: 'DIRECTORY_ACCESS_DENIED',
        directoryStep: { result: 'scrambled' },
      });
    });

    it('turns a rate-limited password write into a plain failure: nothing set, nothing sent', async () => {
      const harness = await start();
      const p = person();
      await lookup(harness, p.code);
      // A 429 is not waited out (nothing is ever sent twice): the reset stops with nothing set.
      okta.rateLimitNext(1, 30, new RegExp(`^POST /api/v1/users/${p.id}$`));
      await confirm(harness);
      await waitFor(() => harness.slack.responses.length === 1, 10_000, 'the outcome');
      expect(harness.twilio.createRequests).toHaveLength(0);
      expect(okta.signIn(p.id, p.password)).toBe('ok');
      expect(privateMessages(harness)[0]).toContain(
        'Okta turned the request away: its rate limit for the bot was reached (E0000047). Nothing was changed or sent.',
      );
    });

    it('refuses an account whose password Active Directory masters, naming where to reset it', async () => {
      const harness = await start();
      const p = person({ provider: 'ACTIVE_DIRECTORY' });
      const ack = await lookup(harness, p.code);
      expect(ack.body).toMatchObject({
        response_action: 'errors',
        errors: {
          [BLOCK_IDS.code]: expect.stringContaining(
            'not kept in Okta but in Active Directory (through the Okta AD agent)',
          ),
        },
      });
      expect(okta.callsTo('POST', new RegExp(`/users/${p.id}`))).toHaveLength(0);
      expect((await auditRows(harness))[0]).toMatchObject({
        result: 'refused',
        errorCode: 'PASSWORD_MANAGED_ELSEWHERE',
      });
    });

    it('is refused at start-up with a token Okta rejects, naming OKTA_API_TOKEN', async () => {
      await expect(start({ OKTA_API_TOKEN: 'revoked-token' })).rejects.toThrow(
        /^OKTA_API_TOKEN: Okta at .* refused the token \(E0000011/,
      );
    });
  });
});
