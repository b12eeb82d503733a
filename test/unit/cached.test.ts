import { describe, expect, it } from 'vitest';
import { cachedUntilFailure } from '../../src/lib/cached.js';

describe('cachedUntilFailure', () => {
  it('shares one load between callers, forgets a failure at once, and reloads after its time', async () => {
    let loads = 0;
    let fail = true;
    const get = cachedUntilFailure(async (n: number) => {
      loads++;
      if (fail) throw new Error('down');
      return n;
    }, 50);
    await expect(get(1)).rejects.toThrow('down');
    fail = false;
    expect(await Promise.all([get(2), get(3)])).toEqual([2, 2]); // one load after the failure, shared
    expect(loads).toBe(2);
    await new Promise((r) => setTimeout(r, 60));
    expect(await get(4)).toBe(4);
    expect(loads).toBe(3);
  });
});
