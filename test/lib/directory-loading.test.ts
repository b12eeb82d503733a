import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createCompanyDirectory } from '../../src/adapters/directories.js';
import { parseConfig } from '../../src/config/index.js';
import { OFFLINE_ENV } from '../helpers/harness.js';

/**
 * Issue 18: the cloud directories' SDKs are loaded only for the directory DIRECTORY names (the Okta SDK alone holds
 * about 30 MB of heap, which every garbage collection under a burst would walk). Read from Node's module cache:
 * these SDKs are CommonJS, so whatever imports them leaves them there. This file runs in a process of its own.
 */
describe('the directory adapters are loaded on demand', () => {
  const SDKS = ['@okta/okta-sdk-nodejs', '@microsoft/microsoft-graph-client', '@googleapis/admin'];
  const loaded = () => {
    const files = Object.keys(createRequire(import.meta.url).cache);
    return SDKS.filter((sdk) => files.some((file) => file.includes(`/node_modules/${sdk}/`)));
  };

  it('loads no cloud SDK with the composition root and DIRECTORY=none, and only Okta’s with DIRECTORY=okta', async () => {
    await import('../../src/bot.js');
    await import('../../src/doctor/directory.js');
    expect(await createCompanyDirectory(parseConfig({ ...OFFLINE_ENV, DIRECTORY: 'none' }).directory)).toBeUndefined();
    expect(loaded()).toEqual([]);
    const env = { ...OFFLINE_ENV, DIRECTORY: 'okta', OKTA_ORG_URL: 'https://example.okta.com', OKTA_API_TOKEN: 'x' };
    const okta = await createCompanyDirectory(parseConfig(env).directory);
    expect(okta?.kind).toBe('okta');
    await okta?.close();
    expect(loaded()).toEqual(['@okta/okta-sdk-nodejs']);
  });
});
