import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditStore } from '../../src/store/audit-store.js';
import { openStore } from '../../src/store/database.js';
import { FakeSlack } from '../fakes/fake-slack.js';
import { FakeTwilio, MAGIC_TO } from '../fakes/fake-twilio.js';
import { httpTransport, SlackDriver } from '../fakes/slack-driver.js';
import { startBotProcess } from '../helpers/bot-process.js';
import { ENGINES, freshDatabaseUrl, postgresAvailable } from '../helpers/databases.js';
import { ADMIN, ADMIN_GROUP, SIGNING_SECRET, testEnv, waitFor } from '../helpers/harness.js';

describe.each(ENGINES)('crash between the audit row and the send result, on %s', (engine) => {
  const skip = engine === 'postgres' && !postgresAvailable();
  const children: ChildProcess[] = [];
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const c of cleanup) await c();
  });

  it.skipIf(skip)(
    'leaves a sending row that the restarted bot marks unknown, telling the admin by DM',
    async () => {
      const slack = await new FakeSlack().start();
      const twilio = await new FakeTwilio().start();
      cleanup.push(
        () => slack.stop(),
        () => twilio.stop(),
      );
      slack.setGroup(ADMIN_GROUP, [ADMIN]);
      twilio.slowMs = 60_000; // the send hangs until the process is killed
      const databaseUrl = await freshDatabaseUrl(engine);
      // 500 ms timeout: a send can take at most 3.5 s, so a `sending` row older than 4.5 s is interrupted.
      const env = {
        ...testEnv(slack, twilio, 'http'),
        DATABASE_URL: databaseUrl,
        TWILIO_TIMEOUT_MS: '500',
        LOG_LEVEL: 'info', // the test waits for the "resetpw is running" line
      };

      const first = await startBotProcess(env);
      children.push(first.child);
      const driver = new SlackDriver(slack, httpTransport(`http://127.0.0.1:${first.port}`, SIGNING_SECRET));
      await driver.command(ADMIN);
      await waitFor(() => slack.callsTo('views.open').length === 1, 10_000, 'form');
      await driver.submit(ADMIN, { name: 'Jane Doe', code: 'E-1042', phone: MAGIC_TO.slow });
      await waitFor(() => twilio.createRequests.length === 1, 10_000, 'the send to start');
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));

      const store = await openStore(databaseUrl);
      cleanup.push(() => store.close());
      const audit = createAuditStore(store.db);
      const [stuck] = await audit.list({ limit: 5 });
      expect(stuck).toMatchObject({ result: 'sending', adminUserId: ADMIN, employee: { code: 'E-1042' } });
      expect(slack.responses).toHaveLength(0); // the admin was never told

      const second = await startBotProcess(env);
      children.push(second.child);
      await waitFor(() => slack.callsTo('chat.postMessage').length === 1, 20_000, 'the DM');
      const [open] = slack.callsTo('conversations.open');
      expect(open?.args.users).toBe(ADMIN);
      const dm = slack.callsTo('chat.postMessage')[0];
      expect(dm?.args.channel).toBe(`D${ADMIN.slice(1)}`);
      expect(String(dm?.args.text)).toContain('Outcome unknown');
      expect(String(dm?.args.text)).toContain('Jane Doe at +•••••••0555');
      const [recovered] = await audit.list({ limit: 5 });
      expect(recovered).toMatchObject({ id: stuck?.id, result: 'unknown', errorCode: 'INTERRUPTED' });
      expect(twilio.createRequests).toHaveLength(1); // nothing was re-sent
    },
    60_000,
  );
});
