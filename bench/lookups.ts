/**
 * What judging an account costs at the lookup: the LDAP adapter's findByEmployeeCode (the search, then what the
 * dialect reads to judge the account: ppolicy times and the nested-group walk on OpenLDAP; tokenGroups and the
 * in-chain check on AD), against a baseline in the same run: the bare subtree search for the same employee on an
 * open, bound connection (the one round trip every lookup needs). Accounts in no group and accounts three levels
 * deep in (unprotected) nested groups, on a local slapd and, as root with Samba installed, a Samba AD DC. Then the
 * cloud directories against their local servers (bench/cloud-lookups.ts).
 * Used by `npm run bench`, or alone: `npm run bench:lookups`. Prints figures; asserts nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Client } from 'ldapts';
import { createLdapDirectory } from '../src/adapters/ldap/directory.js';
import { parseConfig } from '../src/config/index.js';
import type { Directory } from '../src/ports/index.js';
import { OFFLINE_ENV } from '../test/helpers/harness.js';
import { LdapPeople } from '../test/helpers/ldap-people.js';
import { AD_BASE, AD_BOT, AD_PEOPLE, AdPeople, startSamba } from '../test/helpers/samba.js';
import { LDAP_BASE, LDAP_BOT, LDAP_PEOPLE, ldapBotEnv, startSlapd } from '../test/helpers/slapd.js';
import { runCloudLookups } from './cloud-lookups.js';

const N = Number(process.env.BENCH_LOOKUPS ?? 300);
const WARMUP = 30;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? Number.NaN;
};

export interface Subject {
  readonly label: string;
  readonly code: string;
  /** The bare search a lookup cannot do without, on the bound raw client. */
  readonly baseline: () => Promise<unknown>;
}

/** Interleaves baseline and adapter lookups for each subject; prints medians, p99s and their ratio. */
export async function measure(title: string, directory: Directory, subjects: readonly Subject[]): Promise<void> {
  const samples = subjects.map(() => ({ base: [] as number[], lookup: [] as number[] }));
  for (let i = 0; i < N + WARMUP; i++) {
    for (const [k, s] of subjects.entries()) {
      const t0 = performance.now();
      await s.baseline();
      const t1 = performance.now();
      const found = await directory.findByEmployeeCode(s.code);
      const t2 = performance.now();
      if (found.found !== 'one' || found.account.protection) throw new Error(`${s.label}: ${JSON.stringify(found)}`);
      if (i >= WARMUP) {
        samples[k]?.base.push(t1 - t0);
        samples[k]?.lookup.push(t2 - t1);
      }
    }
  }
  console.log(`\n${title} (${N} lookups each, interleaved with the baseline)`);
  for (const [k, s] of subjects.entries()) {
    const { base, lookup } = samples[k] ?? { base: [], lookup: [] };
    const p = (xs: number[], q: number) => quantile(xs, q).toFixed(2);
    console.log(
      `  ${s.label.padEnd(34)} lookup p50 ${p(lookup, 0.5)} / p99 ${p(lookup, 0.99)} ms; bare search ${p(base, 0.5)} / ${p(base, 0.99)} ms;` +
        ` ratio p50 ${(quantile(lookup, 0.5) / quantile(base, 0.5)).toFixed(2)}× p99 ${(quantile(lookup, 0.99) / quantile(base, 0.99)).toFixed(2)}×`,
    );
  }
}

async function openLdap(): Promise<void> {
  const slapd = await startSlapd();
  const people = new LdapPeople(slapd);
  const raw = new Client({ url: slapd.url });
  let directory: Directory | undefined;
  try {
    await people.add({ uid: 'plain', code: 'B-PLAIN', mobile: '+15005550006' });
    const nested = await people.add({ uid: 'nested', code: 'B-NESTED', mobile: '+15005550006' });
    let member = nested;
    for (const cn of ['bench-team', 'bench-dept', 'bench-division']) {
      const dn = `cn=${cn},ou=groups,${LDAP_BASE}`;
      await people.addEntry(dn, { objectClass: ['groupOfNames'], cn, member });
      member = dn;
    }
    const config = parseConfig({ ...OFFLINE_ENV, ...ldapBotEnv(slapd) }).directory;
    if (config.kind !== 'ldap') throw new Error('expected DIRECTORY=ldap');
    directory = createLdapDirectory('ldap', config.ldap);
    await raw.startTLS({ ca: [readFileSync(slapd.caFile)], host: '127.0.0.1' });
    await raw.bind(LDAP_BOT.dn, LDAP_BOT.password);
    const search = (code: string) => () =>
      raw.search(LDAP_PEOPLE, { scope: 'sub', filter: `(&(objectClass=person)(employeeNumber=${code}))` });
    await measure('OpenLDAP (slapd, LDAP_PROTECTED_GROUPS set: the nested-group walk runs)', directory, [
      { label: 'in no group', code: 'B-PLAIN', baseline: search('B-PLAIN') },
      { label: 'three levels of nested groups', code: 'B-NESTED', baseline: search('B-NESTED') },
    ]);
  } finally {
    await directory?.close();
    await raw.unbind().catch(() => undefined);
    await slapd.stop();
  }
}

async function activeDirectory(): Promise<void> {
  if (process.getuid?.() !== 0 || !existsSync('/usr/sbin/samba')) {
    console.log('\nActive Directory: not measured (needs root and Samba for the DC on ports 389/636)');
    return;
  }
  const dc = await startSamba();
  const ad = new AdPeople(dc);
  const raw = new Client({ url: dc.ldapsUrl, tlsOptions: { ca: [readFileSync(dc.caFile)] } });
  let directory: Directory | undefined;
  try {
    await ad.add({ login: 'plain', code: 'B-PLAIN', password: 'Plain-Old-12345!', mobile: '+15005550006' });
    let member = await ad.add({
      login: 'nested',
      code: 'B-NESTED',
      password: 'Nest-Old-12345!',
      mobile: '+15005550006',
    });
    for (const name of ['bench-team', 'bench-dept', 'bench-division']) {
      const dn = await ad.addGroup(`CN=${name},OU=Groups,${AD_BASE}`, name);
      await ad.addMember(dn, member);
      member = dn;
    }
    const config = parseConfig({ ...OFFLINE_ENV, ...ad.botEnv() }).directory;
    if (config.kind !== 'ad') throw new Error('expected DIRECTORY=ad');
    directory = createLdapDirectory('ad', config.ldap);
    await raw.bind(AD_BOT.dn, AD_BOT.password);
    const search = (code: string) => () =>
      raw.search(AD_PEOPLE, {
        scope: 'sub',
        filter: `(&(objectCategory=person)(objectClass=user)(employeeID=${code}))`,
      });
    await measure('Active Directory (Samba 4.17, one protected group configured)', directory, [
      { label: 'in no group', code: 'B-PLAIN', baseline: search('B-PLAIN') },
      { label: 'three levels of nested groups', code: 'B-NESTED', baseline: search('B-NESTED') },
    ]);
  } finally {
    await directory?.close();
    await raw.unbind().catch(() => undefined);
    await dc.stop();
  }
}

export async function runLookups(): Promise<void> {
  await openLdap();
  await activeDirectory();
  await runCloudLookups();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runLookups().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
