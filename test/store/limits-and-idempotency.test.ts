import { afterEach, describe, expect, it } from 'vitest';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore } from '../../src/store/database.js';
import { ENGINES, freshDatabaseUrl, postgresAvailable } from '../helpers/databases.js';
import { ADMIN, type Harness, startHarness, waitFor } from '../helpers/harness.js';

const JANE = { name: 'Jane Doe', code: 'E-1042', phone: '+15005550006' };

/**
 * Rate limits and once-per-view processing, over the wire, with one bot and with two bots sharing one store
 * (two replicas behind a load balancer): what counts is what reaches the fake Twilio.
 */
describe.each(ENGINES)('limits and duplicate submissions on %s', (engine) => {
  const skip = engine === 'postgres' && !postgresAvailable();
  const harnesses: Harness[] = [];
  afterEach(async () => {
    // Replicas first, then the one that owns the fakes.
    for (const h of harnesses.splice(0).reverse()) await h.stop();
  });

  async function replicas(count: number, env: Record<string, string> = {}) {
    const databaseUrl = await freshDatabaseUrl(engine);
    const first = await startHarness({ env: { ...env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' } });
    harnesses.push(first);
    for (let i = 1; i < count; i++) {
      const fakes = { slack: first.slack, twilio: first.twilio };
      harnesses.push(await startHarness({ fakes, env: { ...env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' } }));
    }
    return { all: [...harnesses], first, databaseUrl };
  }

  async function openForms(h: Harness, count: number): Promise<string[]> {
    const before = h.slack.callsTo('views.open').length;
    await Promise.all(Array.from({ length: count }, () => h.driver.command(ADMIN)));
    await waitFor(() => h.slack.callsTo('views.open').length === before + count, 10_000, 'forms');
    return [...h.slack.views.values()].filter((v) => v.userId === ADMIN).map((v) => v.id);
  }

  async function auditResults(databaseUrl: string): Promise<string[]> {
    const store = await openStore(databaseUrl);
    try {
      return (await createAuditStore(store.db).list({ limit: 1000 })).map((r) => r.result).sort();
    } finally {
      await store.close();
    }
  }

  it.skipIf(skip)(
    '50 concurrent submissions for one employee send exactly the allowed number, split over two replicas',
    async () => {
      const limits = {
        RATE_LIMIT_EMPLOYEE_PER_10_MIN: '3',
        RATE_LIMIT_EMPLOYEE_PER_DAY: '3',
        RATE_LIMIT_PHONE_PER_DAY: '5',
        RATE_LIMIT_ADMIN_PER_HOUR: '100',
      };
      const { all, first, databaseUrl } = await replicas(2, limits);
      const views = await openForms(first, 50);
      const replica = (i: number) => all[i % 2] ?? first;
      const acks = await Promise.all(views.map((viewId, i) => replica(i).driver.submit(ADMIN, JANE, { viewId })));
      expect(acks.every((a) => (a.body as { response_action?: string }).response_action === 'update')).toBe(true);
      await waitFor(() => first.slack.responses.length === 50, 20_000, 'every admin told');

      expect(first.twilio.sent).toHaveLength(3);
      expect(first.twilio.createRequests).toHaveLength(3);
      const texts = first.slack.responses.map((r) => String(r.body.text));
      expect(texts.filter((t) => t.includes('Temporary password sent'))).toHaveLength(3);
      const limited = texts.filter((t) => t.includes('Not sent: rate limit reached'));
      expect(limited).toHaveLength(47);
      expect(limited[0]).toContain('The limit of 3 resets of this employee per 10 minutes has been reached');
      expect(limited[0]).toMatch(/Try again after <!date\^\d+\^/);
      const results = await auditResults(databaseUrl);
      expect(results.filter((r) => r === 'sent')).toHaveLength(3);
      expect(results.filter((r) => r === 'rate_limited')).toHaveLength(47);
    },
    60_000,
  );

  it.skipIf(skip)(
    'a submission that arrives again, serially or at once, on one replica or two, sends one SMS',
    async () => {
      const { all, first, databaseUrl } = await replicas(2, { RATE_LIMIT_EMPLOYEE_PER_10_MIN: '0' });
      const [serial, concurrent, crossReplica] = await openForms(first, 3);
      const other = (i: number) => all[i % 2] ?? first;
      // A replay carries the form as first submitted, whatever the modal shows by then.
      const as = (viewId: string | undefined) => {
        const view = first.slack.views.get(viewId ?? '')?.view ?? {};
        return { viewId, view, privateMetadata: String(view.private_metadata) };
      };
      const [a, b, c] = [as(serial), as(concurrent), as(crossReplica)];

      // Serially: the same form delivered twice to one bot, the second after the first finished.
      await first.driver.submit(ADMIN, JANE, a);
      await waitFor(() => first.slack.responses.length === 1, 5000, 'first result');
      const again = await first.driver.submit(ADMIN, JANE, a);
      expect(JSON.stringify(again.body)).toContain('Sending'); // the ack leaves before the store is asked
      // At once, five times to one bot, and six times spread over both.
      await Promise.all(Array.from({ length: 5 }, () => first.driver.submit(ADMIN, { ...JANE, code: 'E-2' }, b)));
      await Promise.all(
        Array.from({ length: 6 }, (_, i) => other(i).driver.submit(ADMIN, { ...JANE, code: 'E-3' }, c)),
      );

      await waitFor(() => first.slack.responses.length === 3, 10_000, 'three results');
      const modalUpdates = () => first.slack.callsTo('views.update');
      // Every arrival ends with a modal update: the result for the first, "Already submitted" for the rest.
      await waitFor(() => modalUpdates().length === 2 + 5 + 6, 10_000, 'every modal updated');
      const already = modalUpdates().filter((c) => JSON.stringify(c.args.view).includes('Already submitted'));
      expect(already).toHaveLength(1 + 4 + 5);
      expect(first.twilio.sent).toHaveLength(3);
      expect(first.twilio.createRequests).toHaveLength(3);
      expect(first.slack.responses).toHaveLength(3); // duplicates post nothing in the channel
      expect(await auditResults(databaseUrl)).toEqual(['sent', 'sent', 'sent']);
    },
  );

  it.skipIf(skip)('a form corrected after inline errors is still processed once', async () => {
    const { first } = await replicas(1);
    const [viewId] = await openForms(first, 1);
    const bad = await first.driver.submit(ADMIN, { ...JANE, phone: 'nope' }, { viewId });
    expect(bad.body).toMatchObject({ response_action: 'errors' });
    const good = await first.driver.submit(ADMIN, JANE, { viewId });
    expect(JSON.stringify(good.body)).toContain('Sending');
    await waitFor(() => first.slack.responses.length === 1, 5000, 'result');
    expect(first.twilio.sent).toHaveLength(1);
  });
});
