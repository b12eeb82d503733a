import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHomeRefresh, type HomeAudience, refreshingHome } from '../../src/services/home-refresh.js';
import { LogCapture } from '../helpers/harness.js';

/** A publish that records who it was for and answers as told; `gate` holds it until released. */
function publisher(audience: (userId: string) => HomeAudience | Error = () => 'admin') {
  const calls: string[] = [];
  const finished: string[] = [];
  let gate: Promise<void> = Promise.resolve();
  return {
    calls,
    finished,
    hold() {
      let release: () => void = () => undefined;
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => release();
    },
    async publish(userId: string): Promise<HomeAudience> {
      calls.push(userId);
      await gate;
      finished.push(userId);
      const answer = audience(userId);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

describe('the App Home refresh', () => {
  const logs = new LogCapture();
  const log = pino({ level: 'debug' }, logs);
  beforeEach(() => {
    vi.useFakeTimers();
    logs.lines.length = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('republishes only admins who opened their Home, once per burst of changes', async () => {
    const p = publisher((u) => (u === 'U_MEMBER' ? 'member' : 'admin'));
    const home = createHomeRefresh({ publish: (u) => p.publish(u), log, debounceMs: 500 });
    home.refresh('U_ADMIN'); // not opened yet: nothing
    await home.opened('U_ADMIN', log);
    await home.opened('U_MEMBER', log);
    expect(p.calls).toEqual(['U_ADMIN', 'U_MEMBER']);
    for (let i = 0; i < 5; i++) home.refresh('U_ADMIN');
    home.refresh('U_MEMBER');
    home.refresh('U_STRANGER');
    await vi.advanceTimersByTimeAsync(499);
    expect(p.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(p.calls).toEqual(['U_ADMIN', 'U_MEMBER', 'U_ADMIN']);
    // A change after the publish started is published again, not lost.
    home.refresh('U_ADMIN');
    await vi.advanceTimersByTimeAsync(500);
    expect(p.calls.filter((u) => u === 'U_ADMIN')).toHaveLength(3);
  });

  it('forgets an admin whose Home now shows them as a member', async () => {
    let audience: HomeAudience = 'admin';
    const p = publisher(() => audience);
    const home = createHomeRefresh({ publish: (u) => p.publish(u), log });
    await home.opened('U1', log);
    audience = 'member';
    home.refresh('U1');
    await vi.advanceTimersByTimeAsync(500);
    home.refresh('U1');
    await vi.advanceTimersByTimeAsync(500);
    expect(p.calls).toEqual(['U1', 'U1']);
  });

  it('remembers a bounded number of admins, forgetting the one who opened longest ago', async () => {
    const p = publisher();
    const home = createHomeRefresh({ publish: (u) => p.publish(u), log, maxRemembered: 2 });
    await home.opened('U1', log);
    await home.opened('U2', log);
    await home.opened('U1', log); // opened again: now the most recent
    await home.opened('U3', log);
    p.calls.length = 0;
    for (const u of ['U1', 'U2', 'U3']) home.refresh(u);
    await vi.advanceTimersByTimeAsync(500);
    expect(p.calls.sort()).toEqual(['U1', 'U3']);
  });

  it('runs one user’s publishes one after another, so an older one never lands last', async () => {
    const p = publisher();
    const home = createHomeRefresh({ publish: (u) => p.publish(u), log });
    const release = p.hold();
    const first = home.opened('U1', log);
    await vi.advanceTimersByTimeAsync(0);
    home.refresh('U1');
    await vi.advanceTimersByTimeAsync(500);
    expect(p.calls).toEqual(['U1']); // the second waits for the first
    release();
    await first;
    await vi.advanceTimersByTimeAsync(0);
    expect(p.calls).toEqual(['U1', 'U1']);
    expect(p.finished).toEqual(['U1', 'U1']);
  });

  it('logs a failed publish and goes on', async () => {
    const p = publisher(() => new Error('views.publish failed'));
    const home = createHomeRefresh({ publish: (u) => p.publish(u), log });
    await expect(home.opened('U1', log)).resolves.toBeUndefined();
    expect(logs.entries()).toContainEqual(
      expect.objectContaining({ level: 50, userId: 'U1', msg: 'could not publish the App Home' }),
    );
  });

  it('publishes nothing once stopped, and drops what was waiting', async () => {
    const p = publisher();
    const home = createHomeRefresh({ publish: (u) => p.publish(u), log });
    await home.opened('U1', log);
    home.refresh('U1');
    await home.stop();
    await vi.advanceTimersByTimeAsync(1000);
    home.refresh('U1');
    await home.opened('U1', log);
    await vi.advanceTimersByTimeAsync(1000);
    expect(p.calls).toEqual(['U1']);
  });
});

describe('refreshingHome', () => {
  it('asks for the admin’s Home after each notice, named by a row, a job or a change seen, even when it fails', async () => {
    const refreshed: string[] = [];
    const seen: unknown[] = [];
    const port = {
      async expired(p: { adminUserId: string }, result: string) {
        seen.push([p, result]);
      },
      async final(job: { summary: { adminUserId: string } }) {
        seen.push(job);
        throw new Error('Slack is down');
      },
      async changed(change: { password: { adminUserId: string }; seenAt: Date }) {
        seen.push(change.password);
        return 42;
      },
    };
    const wrapped = refreshingHome(port, { refresh: (u) => refreshed.push(u) });
    await wrapped.expired({ adminUserId: 'U1' }, 'scrambled');
    await expect(wrapped.final({ summary: { adminUserId: 'U2' } })).rejects.toThrow('Slack is down');
    expect(await wrapped.changed({ password: { adminUserId: 'U3' }, seenAt: new Date() })).toBe(42);
    expect(seen).toEqual([
      [{ adminUserId: 'U1' }, 'scrambled'],
      { summary: { adminUserId: 'U2' } },
      { adminUserId: 'U3' },
    ]);
    expect(refreshed).toEqual(['U1', 'U2', 'U3']);
  });

  it('admits only ports whose every notice names its admin (checked by the compiler)', () => {
    const home = { refresh: () => undefined };
    // @ts-expect-error: the first argument does not say whose reset it is
    refreshingHome({ async other(_n: number) {} }, home);
    // @ts-expect-error: a member that is not a notice
    refreshingHome({ label: 'x', async expired(_p: { adminUserId: string }) {} }, home);
    expect(typeof refreshingHome({ async expired(_p: { adminUserId: string }) {} }, home).expired).toBe('function');
  });
});
