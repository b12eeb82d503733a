/**
 * What judging an account costs at the lookup in the cloud directories, against a baseline in the same run: the
 * bare search for the same employee through the same official SDK (the one request every lookup needs), on the local
 * servers the tests use (Okta over http; Entra and Google over https with the test CA). The adapters add the admin
 * role reads: one for Okta, four for Entra (active roles, role-assignable groups, assignments, PIM eligibility),
 * none for Google (the flags come with the user). The local servers answer at once, so this is the bot's own
 * overhead plus loopback round trips, not a provider's latency.
 * NODE_EXTRA_CA_CERTS must be set when a process starts, so the measurement runs in a child process given the CA.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import { admin, auth } from '@googleapis/admin';
import { Client as GraphClient } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import okta from '@okta/okta-sdk-nodejs';
import { createCompanyDirectory } from '../src/adapters/directories.js';
import { parseConfig } from '../src/config/index.js';
import type { Directory } from '../src/ports/index.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_TENANT, FakeEntra } from '../test/fakes/fake-entra.js';
import { FakeGoogle, GOOGLE_ADMIN } from '../test/fakes/fake-google.js';
import { FAKE_OKTA_TOKEN, FakeOkta } from '../test/fakes/fake-okta.js';
import { EntraPeople } from '../test/helpers/entra-people.js';
import { GooglePeople } from '../test/helpers/google-people.js';
import { OFFLINE_ENV } from '../test/helpers/harness.js';
import { OktaPeople } from '../test/helpers/okta-people.js';
import { makeTestCertificates } from '../test/helpers/tls.js';
import { measure } from './lookups.js';

const build = async (env: Record<string, string>): Promise<Directory> => {
  const d = await createCompanyDirectory(parseConfig({ ...OFFLINE_ENV, ...env }).directory);
  if (!d) throw new Error('no directory');
  return d;
};

async function measureCloud(): Promise<void> {
  const person = {
    login: 'bench',
    code: 'B-CLOUD',
    name: 'Bench Person',
    password: 'Bench-Old-1234!',
    mobile: '+15005550006',
  };

  const oktaServer = await new FakeOkta().start();
  try {
    const people = new OktaPeople(oktaServer);
    await people.add(person);
    const bare = new okta.Client({ orgUrl: oktaServer.url, token: FAKE_OKTA_TOKEN, cacheMiddleware: null });
    const search = async () => {
      for await (const _ of await bare.userApi.listUsers({
        search: 'profile.employeeNumber eq "B-CLOUD"',
        limit: 10,
      })) {
        // read the page
      }
    };
    await measure('Okta (local server, http; SDK 8.1, API token)', await build(people.botEnv()), [
      { label: 'an ordinary employee', code: 'B-CLOUD', baseline: search },
    ]);
  } finally {
    await oktaServer.stop();
  }

  const entraServer = await new FakeEntra().start();
  try {
    const people = new EntraPeople(entraServer);
    await people.add(person);
    const credential = new ClientSecretCredential(FAKE_TENANT, FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, {
      authorityHost: entraServer.url,
      disableInstanceDiscovery: true,
    });
    const graph = GraphClient.initWithMiddleware({
      authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [`${entraServer.url}/.default`] }),
      baseUrl: `${entraServer.url}/`,
      customHosts: new Set(['127.0.0.1']),
    });
    const search = () => graph.api('/users').filter("employeeId eq 'B-CLOUD'").top(10).get();
    await measure(
      'Microsoft Entra ID (local server, https; Graph client 3, client secret)',
      await build(people.botEnv()),
      [{ label: 'an ordinary employee', code: 'B-CLOUD', baseline: search }],
    );
  } finally {
    await entraServer.stop();
  }

  const googleServer = await new FakeGoogle().start();
  const dir = mkdtempSync(join(tmpdir(), 'resetpw-bench-google-'));
  try {
    const keyFile = join(dir, 'sa.json');
    googleServer.addServiceAccount(keyFile);
    const people = new GooglePeople(googleServer, keyFile);
    await people.add(person);
    const directory = await build(people.botEnv());
    const jwt = new auth.JWT({
      keyFile,
      scopes: ['https://www.googleapis.com/auth/admin.directory.user'],
      subject: GOOGLE_ADMIN,
    });
    jwt.transporter.interceptors.request.add({
      resolved: async (request) => {
        if (String(request.url) === 'https://oauth2.googleapis.com/token')
          request.url = new URL(`${googleServer.url}/token`);
        return request;
      },
    });
    const api = admin({ version: 'directory_v1', auth: jwt, rootUrl: `${googleServer.url}/` });
    const search = () => api.users.list({ customer: 'my_customer', query: "externalId='B-CLOUD'", maxResults: 10 });
    await measure('Google Workspace (local server, https; @googleapis/admin 32, service account)', directory, [
      { label: 'an ordinary employee', code: 'B-CLOUD', baseline: search },
    ]);
  } finally {
    await googleServer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** In this process if it already trusts the test CA; otherwise in a child process that does. */
export async function runCloudLookups(): Promise<void> {
  if (process.env.RESETPW_TEST_TLS_DIR && process.env.NODE_EXTRA_CA_CERTS) return measureCloud();
  const parent = mkdtempSync(join(tmpdir(), 'resetpw-bench-tls-'));
  try {
    const certs = makeTestCertificates(parent);
    const child = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: certs.caFile, RESETPW_TEST_TLS_DIR: certs.dir },
      stdio: 'inherit',
    });
    if (child.status !== 0) throw new Error(`the cloud lookup benchmark failed (${child.status ?? child.signal})`);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runCloudLookups().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
