import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../src/errors.js';
import type { AuditRecord, FoundMessage, SmsSender } from '../../src/ports/index.js';
import { createUnknownSendResolver } from '../../src/services/unknown-sends.js';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore, type Store } from '../../src/store/database.js';

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The look-up of sends Twilio never answered, on a real store with a stand-in for the SMS port's list. */
describe('unknown sends, looked up afterwards', () => {
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  async function setUp(listed: (FoundMessage[] | AppError)[]) {
    const store = await openStore('sqlite::memory:');
    stores.push(store);
    const audit = createAuditStore(store.db);
    const id = await audit.begin({
      requestId: 'r-1',
      adminUserId: 'U0ADMIN01',
      employee: { name: 'Jane Doe', code: 'E-1', phoneE164: '+15005550006' },
      directory: { kind: 'ldap', accountId: 'uid=jdoe,ou=people', login: 'jdoe' },
    });
    await audit.finish(id, { result: 'unknown', errorCode: ErrorCode.SmsOutcomeUnknown });
    const queries: { to: string; from: Date; until: Date }[] = [];
    const sms: SmsSender = {
      send: async () => {
        throw new Error('never a second text');
      },
      fetchStatus: async () => ({ status: 'delivered' }),
      redact: async () => undefined,
      async findSent(q) {
        queries.push(q);
        const next = listed.shift() ?? [];
        if (next instanceof AppError) throw next;
        return next;
      },
    };
    const told: string[] = [];
    const followed: AuditRecord[] = [];
    const refunds: string[] = [];
    const resolver = (now?: () => number) =>
      createUnknownSendResolver({
        ...(now ? { now } : {}),
        sms,
        audit,
        limits: {
          take: async () => ({ allowed: true }) as never,
          refund: async (subject) => void refunds.push(subject.employeeCode),
        },
        notices: {
          notSent: async (row) => void told.push(`not_sent:${row.id}`),
          unresolved: async (_row, why, count) => void told.push(`${why}:${count}`),
        },
        follow: (row) => void followed.push(row),
        trackForMs: 60_000,
        settleMs: 20,
        log: silent,
      });
    return { audit, id, queries, told, followed, refunds, resolver };
  }

  const settled = async (r: ReturnType<Awaited<ReturnType<typeof setUp>>['resolver']>, ms = 200) => {
    await sleep(ms);
    await r.stop();
  };

  it('follows the one message found, from the reset on, and never sends', async () => {
    const s = await setUp([[{ sid: 'SM1', status: 'delivered', createdAt: new Date() }]]);
    // Looked up ten minutes on (a restart): the window still ends shortly after the send gave up.
    const r = s.resolver(() => Date.now() + 10 * 60_000);
    await r.resolveLater(s.id);
    await settled(r);
    expect(s.queries[0]?.to).toBe('+15005550006');
    const [row] = await s.audit.list({ limit: 1 });
    expect(s.queries[0]?.from.getTime()).toBeLessThan(Date.parse(row?.createdAt ?? ''));
    // Until shortly after the send gave up, not until the look-up: a later reset's text is not this one's.
    expect(s.queries[0]?.until.getTime()).toBeLessThan(Date.now() + 2 * 60_000);
    expect(row).toMatchObject({ result: 'sent', messageSid: 'SM1', smsLookup: 'found' });
    expect(s.followed.map((f) => f.messageSid)).toEqual(['SM1']);
    expect(s.told).toEqual([]);
  });

  it('passes over a message another reset already holds, and calls the send not sent', async () => {
    const s = await setUp([[{ sid: 'SM-EARLIER', status: 'delivered', createdAt: new Date() }]]);
    const earlier = await s.audit.begin({ requestId: 'r-0', adminUserId: 'U0ADMIN01' });
    await s.audit.finish(earlier, { result: 'sent', messageSid: 'SM-EARLIER' });
    const r = s.resolver();
    await r.resolveLater(s.id);
    await settled(r);
    expect(s.followed).toEqual([]);
    expect(s.told).toEqual([`not_sent:${s.id}`]);
  });

  it('looks no further when the employee has changed the password already: the text did arrive', async () => {
    const s = await setUp([[]]);
    await s.audit.moveDirectoryStep(s.id, ['setting'], { result: 'changed' });
    const r = s.resolver();
    await r.resolveLater(s.id);
    await settled(r);
    expect(s.queries).toEqual([]);
    expect(s.told).toEqual([]);
    expect((await s.audit.get(s.id))?.smsLookup).toBe('moot');
  });

  it('calls several messages to the number ambiguous: the row stays unknown, the admin told', async () => {
    const at = new Date();
    const s = await setUp([
      [
        { sid: 'SM1', status: 'delivered', createdAt: at },
        { sid: 'SM2', status: 'delivered', createdAt: at },
      ],
    ]);
    const r = s.resolver();
    await r.resolveLater(s.id);
    await settled(r);
    expect(s.told).toEqual(['ambiguous:2']);
    expect((await s.audit.list({ limit: 1 }))[0]).toMatchObject({ result: 'unknown', smsLookup: 'ambiguous' });
    expect(s.followed).toEqual([]);
  });

  it('asks again when the list cannot be read, and gives up in words after three tries', async () => {
    const down = new AppError(ErrorCode.SmsFollowUpFailed, 'Twilio list failed', { httpStatus: 500 });
    const s = await setUp([down, down, down]);
    const r = s.resolver();
    await r.resolveLater(s.id);
    await settled(r, 400);
    expect(s.queries).toHaveLength(3);
    expect(s.told).toEqual(['lookup_failed:0']);
    expect((await s.audit.list({ limit: 1 }))[0]).toMatchObject({ result: 'unknown', smsLookup: 'lookup_failed' });
  });

  it('settles a row once when two replicas look it up at once after a restart, and gives the counts back', async () => {
    const s = await setUp([[], []]);
    const [a, b] = [s.resolver(), s.resolver()];
    expect(await a.resume()).toBe(1);
    expect(await b.resume()).toBe(1);
    await settled(a);
    await settled(b, 0);
    expect(s.told).toEqual([`not_sent:${s.id}`]);
    expect(s.refunds).toEqual(['E-1']);
    expect((await s.audit.list({ limit: 1 }))[0]).toMatchObject({ result: 'failed', smsLookup: 'not_found' });
    // Settled: nothing left for a later start.
    expect(await s.resolver().resume()).toBe(0);
  });
});
