import { afterAll, beforeAll, describe } from 'vitest';
import { LdapPeople } from '../helpers/ldap-people.js';
import { requireSlapd, type Slapd, startSlapd } from '../helpers/slapd.js';
import { directoryContractSuite } from './contract-suite.js';
import { directoryFlowSuite } from './flow-suite.js';

/** DIRECTORY=ldap end to end against a real slapd with ppolicy, over StartTLS with a private CA. */
describe.runIf(requireSlapd())('reset flow on OpenLDAP', () => {
  let slapd: Slapd;
  let people: LdapPeople;
  beforeAll(async () => {
    slapd = await startSlapd();
    people = new LdapPeople(slapd);
  });
  afterAll(async () => {
    await slapd?.stop();
  });
  directoryFlowSuite(() => people, { multipleMobiles: true, lockout: true });
  directoryContractSuite(() => people);
});
