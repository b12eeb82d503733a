import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_IDS } from '../../src/views/reset-modal.js';
import { FAKE_CLIENT_SECRET, FakeEntra } from '../fakes/fake-entra.js';
import { EntraPeople } from '../helpers/entra-people.js';
import { type Harness, startHarness, waitFor } from '../helpers/harness.js';
import { auditRows, confirm, lookup, privateMessages, textedPassword } from './bot-steps.js';
import { directoryContractSuite } from './contract-suite.js';
import { directoryFlowSuite } from './flow-suite.js';

/** DIRECTORY=entra end to end: the real bot, @azure/identity and the Graph client, a local tenant over HTTPS. */
describe('reset flow on Microsoft Entra ID', () => {
  let entra: FakeEntra;
  let people: EntraPeople;
  beforeAll(async () => {
    entra = await new FakeEntra().start();
    people = new EntraPeople(entra);
  });
  afterAll(async () => {
    await entra?.stop();
  });
  directoryFlowSuite(() => people, { multipleMobiles: false, lockout: false });
  directoryContractSuite(() => people);

  describe('what only Entra does', () => {
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
    const person = (over: Partial<Parameters<FakeEntra['addUser']>[0]> = {}) => {
      const i = ++n;
      const code = `N-${i}${Date.now().toString(36).slice(-4)}`;
      const password = `Old-Entra-${i}-xyzzy`;
      const id = entra.addUser({
        upn: `entra${i}@example.com`,
        displayName: `Nia Example${i}`,
        employeeId: code,
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

    it('revokes the sign-in sessions after the set, says so, records it, and leaks no secret', async () => {
      const harness = await start();
      const p = person();
      const message = await reset(harness, p.code);
      const password = textedPassword(harness);
      expect(entra.signIn(p.id, password)).toBe('must_change');
      expect(entra.callsTo('POST', new RegExp(`^/v1.0/users/${p.id}/revokeSignInSessions$`))).toHaveLength(1);
      expect(message).toContain('The employee was signed out of every Microsoft Entra ID session.');
      expect((await auditRows(harness))[0]).toMatchObject({
        result: 'sent',
        directory: { kind: 'entra', accountId: p.id },
        directoryStep: { result: 'set', sessions: 'revoked' },
      });
      const tokens = entra.requests.map((r) => r.authorization.replace(/^Bearer /, '')).filter(Boolean);
      for (const secret of [password, FAKE_CLIENT_SECRET, ...tokens]) {
        expect(harness.logs.text).not.toContain(secret);
        expect(JSON.stringify(harness.slack.calls)).not.toContain(secret);
      }
    });

    it('refuses a user synced from on-premises AD, naming where its password lives, and writes nothing', async () => {
      const harness = await start();
      const p = person({ synced: true });
      const ack = await lookup(harness, p.code);
      expect(ack.body).toMatchObject({
        response_action: 'errors',
        errors: {
          [BLOCK_IDS.code]: expect.stringContaining(
            'not kept in Microsoft Entra ID but in on-premises Active Directory (synced by Microsoft Entra Connect)',
          ),
        },
      });
      expect(entra.callsTo('PATCH', new RegExp(p.id))).toHaveLength(0);
      expect((await auditRows(harness))[0]).toMatchObject({
        result: 'refused',
        errorCode: 'PASSWORD_MANAGED_ELSEWHERE',
      });
    });

    it('scrambles a password whose PATCH went unanswered (a 504), never sending it twice', async () => {
      const harness = await start();
      const p = person();
      entra.failNext(new RegExp(`^PATCH /v1.0/users/${p.id}$`), {
        status: 504,
        body: { error: { code: 'gatewayTimeout', message: 'Gateway timeout' } },
        afterApply: true,
      });
      const message = await reset(harness, p.code);
      expect(harness.twilio.createRequests).toHaveLength(0);
      const patches = entra.callsTo('PATCH', new RegExp(`^/v1.0/users/${p.id}$`));
      expect(patches).toHaveLength(2); // the set (applied, answer lost) and the scramble; never the set again
      const texted = String(
        (patches[0]?.body as { passwordProfile?: { password?: string } } | undefined)?.passwordProfile?.password,
      );
      expect(entra.signIn(p.id, texted)).toBe('invalid');
      expect(entra.signIn(p.id, p.password)).toBe('invalid');
      expect(message).toContain('randomised the password to be sure');
      expect((await auditRows(harness))[0]).toMatchObject({
        result: 'failed',
        errorCode: 'DIRECTORY_OUTCOME_UNKNOWN',
        directoryStep: { result: 'scrambled' },
      });
    });

    it('keeps the reset when the revocation is refused, and says to end the sessions by hand', async () => {
      entra.apps.set('eeeeeeee-0000-4000-8000-000000000002', { secret: 'no~revoke', denied: new Set(['revoke']) });
      const harness = await start({
        ENTRA_CLIENT_ID: 'eeeeeeee-0000-4000-8000-000000000002',
        ENTRA_CLIENT_SECRET: 'no~revoke',
      });
      const p = person();
      const message = await reset(harness, p.code);
      expect(harness.twilio.createRequests).toHaveLength(1);
      expect(message).toContain(
        'Could not sign the employee out of their other Microsoft Entra ID sessions (DIRECTORY_ACCESS_DENIED)',
      );
    });

    it('is refused at start-up with a wrong secret, naming ENTRA_CLIENT_SECRET', async () => {
      await expect(start({ ENTRA_CLIENT_SECRET: 'wrong~secret' })).rejects.toThrow(
        /^ENTRA_CLIENT_SECRET: Entra refused the app's secret \(AADSTS7000215/,
      );
    });
  });
});
