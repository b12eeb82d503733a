import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { transportReason } from '../lib/transport-reason.js';
import { describeDatabase, openStoreReadOnly, parseDatabaseUrl, schemaState } from '../store/database.js';
import { type CheckResult, fail, pass, within } from './check.js';

const TITLE = 'Store';

/** DATABASE_URL, read only: reachable, and how its schema stands against this version's migrations. */
export async function storeCheck(databaseUrl: string): Promise<CheckResult> {
  const where = describeDatabase(databaseUrl);
  const target = parseDatabaseUrl(databaseUrl);
  if (target?.engine === 'sqlite' && target.path !== ':memory:' && !existsSync(target.path)) {
    return missingSqlite(target.path);
  }
  let store: Awaited<ReturnType<typeof openStoreReadOnly>> | undefined;
  try {
    store = await within(openStoreReadOnly(databaseUrl, { checkSchema: false }), 15_000, 'The database');
    const schema = await within(schemaState(store, where), 15_000, 'The database');
    switch (schema.state) {
      case 'current':
        return pass('store', TITLE, `${where} answers and is migrated (${schema.applied} migrations)`);
      case 'empty':
        return pass('store', TITLE, `${where} answers and is empty: the bot creates its tables at first start`);
      case 'behind':
        return pass(
          'store',
          TITLE,
          `${where} answers; the next start migrates it (${schema.pending.join(', ')}): see Upgrades in the README`,
        );
      default:
        return fail(
          'store',
          TITLE,
          `${where} was migrated by a newer resetpw (${schema.unknown.join(', ')}); this version would refuse to start`,
          'run the newer version, or restore a backup taken before the upgrade',
        );
    }
  } catch (err) {
    return fail(
      'store',
      TITLE,
      (err as Error).message ?? transportReason(err),
      'check DATABASE_URL: the path or host, the credentials and that the server runs',
    );
  } finally {
    await store?.close().catch(() => undefined);
  }
}

/** A SQLite file the bot has not created yet is fine if it could: the nearest existing folder must be writable. */
function missingSqlite(path: string): CheckResult {
  let dir = dirname(resolve(path));
  while (!existsSync(dir)) dir = dirname(dir);
  try {
    accessSync(dir, constants.W_OK);
    return pass('store', TITLE, `${path} does not exist yet: the bot creates it at first start (${dir} is writable)`);
  } catch {
    return fail(
      'store',
      TITLE,
      `${path} does not exist and ${dir} is not writable, so the bot could not create it`,
      'point DATABASE_URL at a writable place, or create the folder for the bot’s user',
    );
  }
}
