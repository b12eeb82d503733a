import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { SmsSender, VerificationAlerts } from '../../src/ports/index.js';
import { createVerification } from '../../src/services/verification.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createRateLimiter } from '../../src/store/rate-limiter.js';
import { createVerificationStore } from '../../src/store/verification-store.js';
import { ENGINES, freshDatabaseUrl, postgresAvailable } from '../helpers/databases.js';

const silent = pino({ level: 'silent' });
const KEY = Buffer.alloc(32, 7);
const LIMITS = { employee_10m: 0, employee_day: 0, phone_day: 0, admin_hour: 0, workspace_day: 0 };

/** Codes on a real store, SQLite and PostgreSQL: sent by one replica, checked by another, each counted once. */
describe.each(ENGINES)('verification codes on %s', (engine) => {
  const unavailable = engine === 'postgres' && !postgresAvailable();
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  /** Two replicas on one database, each with its own service; the texts land in `texts`. */
  async function replicas(clock: { now?: () => number } = {}) {
    const url = await freshDatabaseUrl(engine);
    const texts: string[] = [];
    const alerts: string[] = [];
    const results: string[] = [];
    const sms: SmsSender = {
      async send(message) {
        texts.push(message.body);
        return { sid: `SM${texts.length}`, status: 'queued' };
      },
      fetchStatus: async () => ({ status: 'delivered' }),
      redact: async () => undefined,
      findSent: async () => [],
    };
    const alertsPort: VerificationAlerts = {
      possibleImpersonation: async (a) => void alerts.push(a.employeeCode),
      declined: async (a) => void alerts.push(`declined:${a.employeeCode}`),
    };
    const make = async () => {
      const store = await openStore(url);
      stores.push(store);
      return createVerification({
        store: createVerificationStore(store.db, store.engine),
        sms,
        limits: createRateLimiter(store.raw, LIMITS),
        alerts: alertsPort,
        key: KEY,
        codeTtlMs: 5 * 60_000,
        lockMs: 30 * 60_000,
        onResult: (r) => void results.push(r),
        log: silent,
        ...clock,
      });
    };
    return { a: await make(), b: await make(), texts, alerts, results };
  }
  const request = (id: string, viewId = 'V1', adminUserId = 'U0ADMIN01') => ({
    id,
    viewId,
    adminUserId,
    directoryKind: 'ldap',
    accountId: 'uid=jdoe,ou=people',
    employeeCode: 'E-1',
    phoneE164: '+15005550006',
  });
  const codeIn = (text: string | undefined) =>
    /code is (\d{3}) (\d{3})/
      .exec(text ?? '')
      ?.slice(1)
      .join('') ?? '';
  const who = { viewId: 'V1', adminUserId: 'U0ADMIN01' };

  it.skipIf(unavailable)('checks on one replica a code another sent, and lets it pass once', async () => {
    const { a, b, texts } = await replicas();
    const id = a.newId();
    expect((await a.sendCode(request(id), silent)).status).toBe('sent');
    const code = codeIn(texts[0]);
    const [one, two] = await Promise.all([b.checkCode(id, code, who, silent), a.checkCode(id, code, who, silent)]);
    expect([one.status, two.status].sort()).toEqual(['passed', 'refused']);
    // The reset it allows: this view and account, once.
    expect(await b.consume(id, 'V2', 'uid=jdoe,ou=people')).toBe(false);
    expect(await b.consume(id, 'V1', 'uid=jdoe,ou=people')).toBe(true);
    expect(await a.consume(id, 'V1', 'uid=jdoe,ou=people')).toBe(false);
  });

  it.skipIf(unavailable)('counts wrong codes across replicas, locks at the third, and alerts once', async () => {
    const { a, b, texts, alerts, results: counted } = await replicas();
    const id = a.newId();
    await a.sendCode(request(id), silent);
    const wrong = codeIn(texts[0]) === '123456' ? '654321' : '123456';
    const results = await Promise.all([
      a.checkCode(id, wrong, who, silent),
      b.checkCode(id, wrong, who, silent),
      a.checkCode(id, wrong, who, silent),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['locked', 'wrong', 'wrong']);
    expect(alerts).toEqual(['E-1']);
    // Locked: the right code fails, and no new code goes out for that account.
    expect((await b.checkCode(id, codeIn(texts[0]), who, silent)).status).toBe('locked');
    const again = await b.sendCode(request(b.newId()), silent);
    expect(again).toMatchObject({ status: 'refused', error: { code: 'VERIFICATION_LOCKED' } });
    expect(texts).toHaveLength(1);
    // What the metrics count (resetpw_verifications_total).
    expect([...counted].sort()).toEqual(['locked', 'not_sent', 'sent', 'wrong', 'wrong']);
  });

  it.skipIf(unavailable)('answers only the admin and the modal the code was sent for', async () => {
    const { a, texts } = await replicas();
    const id = a.newId();
    await a.sendCode(request(id), silent);
    const code = codeIn(texts[0]);
    expect((await a.checkCode(id, code, { viewId: 'V-OTHER', adminUserId: 'U0ADMIN01' }, silent)).status).toBe(
      'refused',
    );
    expect((await a.checkCode(id, code, { viewId: 'V1', adminUserId: 'U0OTHER01' }, silent)).status).toBe('refused');
    expect((await a.checkCode(id, code, who, silent)).status).toBe('passed');
  });

  it.skipIf(unavailable)(
    'counts an employee’s wrong codes across modals and admins, and forgets them after a pass or a day',
    async () => {
      let at = Date.parse('2026-11-30T09:00:00Z');
      const { a, b, texts, alerts } = await replicas({ now: () => at });
      const wrongFor = (i: number) => (codeIn(texts[i]) === '123456' ? '654321' : '123456');
      const send = async (svc: typeof a, viewId: string, adminUserId: string) => {
        const id = svc.newId();
        expect((await svc.sendCode(request(id, viewId, adminUserId), silent)).status).toBe('sent');
        return { id, text: texts.length - 1, who: { viewId, adminUserId } };
      };
      // Two wrong codes in one modal, then a new modal by another admin on the other replica: its first wrong code
      // is the employee's third, and locks.
      const first = await send(a, 'V1', 'U0ADMIN01');
      expect(await a.checkCode(first.id, wrongFor(first.text), first.who, silent)).toEqual({
        status: 'wrong',
        attemptsLeft: 2,
      });
      expect(await a.checkCode(first.id, wrongFor(first.text), first.who, silent)).toEqual({
        status: 'wrong',
        attemptsLeft: 1,
      });
      const second = await send(b, 'V2', 'U0ADMIN02');
      expect((await b.checkCode(second.id, wrongFor(second.text), second.who, silent)).status).toBe('locked');
      expect(alerts).toEqual(['E-1']);
      expect((await a.sendCode(request(a.newId(), 'V3'), silent)).status).toBe('refused');

      // The lock served (30 minutes), the count starts again; a wrong code and then the right one forget it again.
      at += 31 * 60_000;
      const third = await send(a, 'V4', 'U0ADMIN01');
      expect(await a.checkCode(third.id, wrongFor(third.text), third.who, silent)).toEqual({
        status: 'wrong',
        attemptsLeft: 2,
      });
      expect((await a.checkCode(third.id, codeIn(texts[third.text]), third.who, silent)).status).toBe('passed');
      const fourth = await send(b, 'V5', 'U0ADMIN02');
      expect(await b.checkCode(fourth.id, wrongFor(fourth.text), fourth.who, silent)).toEqual({
        status: 'wrong',
        attemptsLeft: 2,
      });
      // A day later that wrong code no longer counts either.
      at += 25 * 3_600_000;
      const fifth = await send(a, 'V6', 'U0ADMIN01');
      expect(await a.checkCode(fifth.id, wrongFor(fifth.text), fifth.who, silent)).toEqual({
        status: 'wrong',
        attemptsLeft: 2,
      });
      expect(alerts).toEqual(['E-1']);
    },
  );

  it.skipIf(unavailable)(
    'lists the pending questions and pushes past their time, oldest first, for the sweep',
    async () => {
      const store = await openStore(await freshDatabaseUrl(engine));
      stores.push(store);
      const rows = createVerificationStore(store.db, store.engine);
      const t0 = new Date('2026-11-30T09:00:00Z');
      const make = (id: string, method: 'code' | 'slack_approval' | 'directory_factor', expiresInS: number) =>
        rows.create(
          {
            id,
            viewId: `V-${id}`,
            adminUserId: 'U0ADMIN01',
            directoryKind: 'okta',
            accountId: `00u${id}`,
            employeeCode: `E-${id}`,
            method,
            codeHash: '',
            expiresAt: new Date(t0.getTime() + expiresInS * 1000),
          },
          t0,
        );
      await make('late-ask', 'slack_approval', 60);
      await make('later-push', 'directory_factor', 120);
      await make('answered', 'slack_approval', 30);
      await make('in-time', 'slack_approval', 600);
      await make('a-code', 'code', 30);
      expect(await rows.end('answered', 'failed', t0)).toBe(true);
      const at = new Date(t0.getTime() + 300_000);
      const ids = async (methods: ('slack_approval' | 'directory_factor')[], limit = 10) =>
        (await rows.overdue(methods, at, limit)).map((r) => r.id);
      expect(await ids(['slack_approval', 'directory_factor'])).toEqual(['late-ask', 'later-push']);
      expect(await ids(['directory_factor'])).toEqual(['later-push']);
      expect(await ids(['slack_approval', 'directory_factor'], 1)).toEqual(['late-ask']);
      expect(await rows.overdue([], at, 10)).toEqual([]);
    },
  );

  /** Two code rows for one account, made directly in the store. */
  const twoCodes = async (rows: ReturnType<typeof createVerificationStore>, account: string, t0: Date) => {
    for (const id of ['A', 'B']) {
      await rows.create(
        {
          id: `${id}:${account}`,
          viewId: `V-${id}`,
          adminUserId: 'U0ADMIN01',
          directoryKind: 'ldap',
          accountId: account,
          employeeCode: 'E-1',
          method: 'code',
          codeHash: 'ab',
          expiresAt: new Date(t0.getTime() + 300_000),
        },
        t0,
      );
    }
  };

  it.skipIf(unavailable)(
    'locks at the third wrong code even when the second and third come at once on two replicas',
    async () => {
      const url = await freshDatabaseUrl(engine);
      const one = await openStore(url);
      const two = await openStore(url);
      stores.push(one, two);
      const r1 = createVerificationStore(one.db, one.engine);
      const r2 = createVerificationStore(two.db, two.engine);
      const unlocked: number[] = [];
      // On PostgreSQL, two statements on different rows once read each other's count from before them: the lock
      // was missed in about a third of the trials.
      for (let trial = 0; trial < 20; trial++) {
        const t0 = new Date();
        const account = `uid=race${trial},ou=people`;
        await twoCodes(r1, account, t0);
        const lockUntil = new Date(t0.getTime() + 1_800_000);
        const since = new Date(t0.getTime() - 86_400_000);
        await r1.recordWrong(`A:${account}`, new Date(), 3, lockUntil, since);
        const [a, b] = await Promise.all([
          r1.recordWrong(`A:${account}`, new Date(), 3, lockUntil, since),
          r2.recordWrong(`B:${account}`, new Date(), 3, lockUntil, since),
        ]);
        if (!(await r1.lockedUntil('ldap', account, new Date()))) unlocked.push(trial);
        // Exactly one of the two locked (and so alerts).
        expect([a?.locked, b?.locked].filter(Boolean)).toHaveLength(1);
      }
      expect(unlocked).toEqual([]);
    },
  );

  it.skipIf(unavailable)(
    'ends the employee’s other codes with the lock, and says the locking code was the third',
    async () => {
      const store = await openStore(await freshDatabaseUrl(engine));
      stores.push(store);
      const rows = createVerificationStore(store.db, store.engine);
      const t0 = new Date();
      await twoCodes(rows, 'uid=j', t0);
      const lockUntil = new Date(t0.getTime() + 1_800_000);
      const since = new Date(t0.getTime() - 86_400_000);
      await rows.recordWrong('A:uid=j', new Date(t0.getTime() + 1000), 3, lockUntil, since);
      await rows.recordWrong('B:uid=j', new Date(t0.getTime() + 2000), 3, lockUntil, since);
      const third = await rows.recordWrong('A:uid=j', new Date(t0.getTime() + 3000), 3, lockUntil, since);
      expect(third).toEqual({ attempts: 2, recent: 3, locked: true });
      // B, sent before the lock, cannot be typed into after it (its wrong codes would count for nothing).
      expect((await rows.get('B:uid=j'))?.state).toBe('failed');
      expect(await rows.recordWrong('B:uid=j', new Date(t0.getTime() + 4000), 3, lockUntil, since)).toBeUndefined();
    },
  );

  it.skipIf(unavailable)(
    'ends the employee’s other codes when one passes: wrong codes in them would be forgiven',
    async () => {
      const store = await openStore(await freshDatabaseUrl(engine));
      stores.push(store);
      const rows = createVerificationStore(store.db, store.engine);
      const t0 = new Date();
      await twoCodes(rows, 'uid=p', t0);
      expect(await rows.pass('A:uid=p', new Date(t0.getTime() + 1000))).toBe(true);
      expect((await rows.get('B:uid=p'))?.state).toBe('failed');
      expect((await rows.get('A:uid=p'))?.state).toBe('passed');
    },
  );
});
