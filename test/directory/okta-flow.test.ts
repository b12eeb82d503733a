import { afterAll, beforeAll, describe } from 'vitest';
import { FakeOkta } from '../fakes/fake-okta.js';
import { OktaPeople } from '../helpers/okta-people.js';
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
  directoryFlowSuite(() => people, { multipleMobiles: false });
});
