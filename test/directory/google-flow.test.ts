import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { FakeGoogle } from '../fakes/fake-google.js';
import { GooglePeople } from '../helpers/google-people.js';
import { directoryContractSuite } from './contract-suite.js';
import { directoryFlowSuite } from './flow-suite.js';

/** DIRECTORY=google end to end: the real bot, the Admin SDK client with a service account, a local Workspace. */
describe('reset flow on Google Workspace', () => {
  let google: FakeGoogle;
  let people: GooglePeople;
  let dir: string;
  beforeAll(async () => {
    google = await new FakeGoogle().start();
    dir = mkdtempSync(join(tmpdir(), 'resetpw-google-flow-'));
    const keyFile = join(dir, 'sa.json');
    google.addServiceAccount(keyFile);
    people = new GooglePeople(google, keyFile);
  });
  afterAll(async () => {
    await google?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  directoryFlowSuite(() => people, { multipleMobiles: true, lockout: false });
  directoryContractSuite(() => people);
});
