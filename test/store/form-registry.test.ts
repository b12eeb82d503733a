import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/database.js';
import { createFormRegistry } from '../../src/store/form-registry.js';
import { ENGINES, freshDatabaseUrl, postgresAvailable } from '../helpers/databases.js';

const FORM = {
  viewId: 'V0FORM1',
  teamId: 'T0RESETPW',
  adminUserId: 'U0ADMIN',
  channelId: 'C0HELPDESK',
  responseUrl: 'https://hooks.slack.com/commands/T0RESETPW/1/abc',
};

/**
 * The forms a process opened are remembered beside the store, so that a submission's check needs no store query
 * before its ack: what is remembered must be what the store holds, never a confirmation, and no more than a day.
 */
describe.each(ENGINES)('the forms this process opened, on %s', (engine) => {
  const unavailable = engine === 'postgres' && !postgresAvailable();
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  });
  const open = async (url?: string) => {
    const store = await openStore(url ?? (await freshDatabaseUrl(engine)));
    stores.push(store);
    return store;
  };

  it.skipIf(unavailable)('remembers a form as the store reads it back, for this process only', async () => {
    const url = await freshDatabaseUrl(engine);
    const here = createFormRegistry((await open(url)).db);
    const elsewhere = createFormRegistry((await open(url)).db);
    await here.opened(FORM);
    await here.opened({ ...FORM, viewId: 'V0HOME1', channelId: undefined, responseUrl: undefined } as never);

    expect(await here.openedHere(FORM.viewId)).toEqual(await here.get(FORM.viewId));
    expect(await here.openedHere(FORM.viewId)).toEqual(FORM);
    // Opened from the App Home: no channel and no URL, as the store reads the row back.
    expect(await here.openedHere('V0HOME1')).toEqual({
      viewId: 'V0HOME1',
      teamId: 'T0RESETPW',
      adminUserId: 'U0ADMIN',
    });
    expect(await here.openedHere('V0HOME1')).toEqual(await here.get('V0HOME1'));
    expect(await here.openedHere('V0NEVER')).toBeUndefined();
    // Another replica has the row in the store, not in its memory.
    expect(await elsewhere.openedHere(FORM.viewId)).toBeUndefined();
    expect(await elsewhere.get(FORM.viewId)).toEqual(FORM);
  });

  it.skipIf(unavailable)('never answers with a confirmation: that is read from the store', async () => {
    const url = await freshDatabaseUrl(engine);
    const here = createFormRegistry((await open(url)).db);
    const elsewhere = createFormRegistry((await open(url)).db);
    await here.opened(FORM);
    const confirmed = { code: 'E-1042', accountId: 'uid=jane', phoneE164: '+15005550006' };
    await elsewhere.confirm(FORM.viewId, confirmed);
    expect(await here.openedHere(FORM.viewId)).toEqual(FORM);
    expect(await here.get(FORM.viewId)).toEqual({ ...FORM, confirmed });
    await here.confirm(FORM.viewId, { ...confirmed, code: 'E-2000' });
    expect(await here.openedHere(FORM.viewId)).not.toHaveProperty('confirmed');
  });

  it.skipIf(unavailable)('forgets a form after a day, and the oldest past its limit', async () => {
    let at = Date.parse('2026-11-30T09:00:00Z');
    const here = createFormRegistry((await open()).db, () => new Date(at), 3);
    for (const n of [1, 2, 3, 4]) await here.opened({ ...FORM, viewId: `V0FORM${n}` });
    expect(await here.openedHere('V0FORM1')).toBeUndefined();
    expect(await here.get('V0FORM1')).toMatchObject({ viewId: 'V0FORM1' });
    expect((await here.openedHere('V0FORM4'))?.viewId).toBe('V0FORM4');
    at += 24 * 60 * 60_000 - 1;
    expect((await here.openedHere('V0FORM2'))?.viewId).toBe('V0FORM2');
    at += 2;
    expect(await here.openedHere('V0FORM2')).toBeUndefined();
    expect(await here.get('V0FORM2')).toBeUndefined();
  });

  it.skipIf(unavailable)('does not remember a form the store could not record', async () => {
    const store = await open();
    const here = createFormRegistry(store.db);
    await store.close();
    await expect(here.opened(FORM)).rejects.toThrow();
    expect(await here.openedHere(FORM.viewId)).toBeUndefined();
  });
});
