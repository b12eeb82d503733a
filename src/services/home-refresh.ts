import type { Logger } from 'pino';

/** Who a Home was published for: an admin (their resets shown) or anyone else. */
export type HomeAudience = 'admin' | 'member';

export interface HomeRefreshDeps {
  /** Builds and publishes one user's Home; says for whom it was built. Throws when it could not publish. */
  readonly publish: (userId: string, log: Logger) => Promise<HomeAudience>;
  readonly log: Logger;
  /** A burst of changes (a send, then its delivery a second later) becomes one publish after this long. */
  readonly debounceMs?: number;
  /** How many admins' Homes are kept up to date; beyond that, the longest unopened is forgotten. */
  readonly maxRemembered?: number;
}

export interface HomeRefresh {
  /** The user opened the Home tab: published now; an admin is remembered so that later changes republish it. */
  opened(userId: string, log: Logger): Promise<void>;
  /**
   * One of this admin's resets changed state: their Home is published again shortly, if they opened it since this
   * process started (a Home nobody has looked at is left for its next opening). Never throws.
   */
  refresh(adminUserId: string): void;
  /** No more publishes; waits for those under way. */
  stop(): Promise<void>;
}

/**
 * Keeps the admins' App Home up to date. Publishes of one user run one after another, so a slower, older publish
 * can never land after a newer one; changes close together are coalesced into one publish. Failures are logged.
 */
export function createHomeRefresh(deps: HomeRefreshDeps): HomeRefresh {
  const debounceMs = deps.debounceMs ?? 500;
  const maxRemembered = deps.maxRemembered ?? 1000;
  // Insertion order is opening order: the first key is the admin who opened their Home longest ago.
  const remembered = new Set<string>();
  const timers = new Map<string, NodeJS.Timeout>();
  const chains = new Map<string, Promise<void>>();
  let stopped = false;

  const remember = (userId: string) => {
    remembered.delete(userId);
    remembered.add(userId);
    if (remembered.size > maxRemembered) {
      const oldest = remembered.values().next().value;
      if (oldest !== undefined) remembered.delete(oldest);
    }
  };

  /** Queues a publish behind any under way for the same user. */
  const publish = (userId: string, log: Logger): Promise<void> => {
    const previous = chains.get(userId) ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        const audience = await deps.publish(userId, log);
        // Someone no longer an admin is not kept up to date: their Home shows nobody's resets.
        if (audience === 'admin') remember(userId);
        else remembered.delete(userId);
      } catch (err) {
        log.error({ err, userId }, 'could not publish the App Home');
      }
    });
    chains.set(userId, next);
    void next.then(() => {
      if (chains.get(userId) === next) chains.delete(userId);
    });
    return next;
  };

  return {
    opened(userId, log) {
      if (stopped) return Promise.resolve();
      // Remembered now, not once published: a change while this first publish runs must not be missed.
      remember(userId);
      return publish(userId, log);
    },
    refresh(adminUserId) {
      if (stopped || !remembered.has(adminUserId) || timers.has(adminUserId)) return;
      const timer = setTimeout(() => {
        timers.delete(adminUserId);
        if (!stopped) void publish(adminUserId, deps.log);
      }, debounceMs);
      timer.unref();
      timers.set(adminUserId, timer);
    },
    async stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.all(chains.values());
    },
  };
}

/**
 * A notices port (DeliveryReporter, ExpiryNotices, InterruptionNotices, …) whose every call, once it has run, asks
 * for the admin's Home to be published again: each is told about one reset after its audit row changed. The admin
 * is read from the first argument: a row or a live password (`adminUserId`), or a delivery job (`summary`).
 */
export function refreshingHome<T extends object>(port: T, home: Pick<HomeRefresh, 'refresh'>): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(port)) {
    wrapped[name] =
      typeof member === 'function'
        ? async (...args: unknown[]) => {
            try {
              return await member.apply(port, args);
            } finally {
              const admin = adminOf(args[0]);
              if (admin) home.refresh(admin);
            }
          }
        : member;
  }
  return wrapped as T;
}

function adminOf(subject: unknown): string | undefined {
  const s = subject as
    | { adminUserId?: unknown; summary?: { adminUserId?: unknown }; password?: { adminUserId?: unknown } }
    | undefined;
  // A reset row or live password, a delivery job, an employee's change (PasswordChangeSeen).
  const id = s?.adminUserId ?? s?.summary?.adminUserId ?? s?.password?.adminUserId;
  return typeof id === 'string' ? id : undefined;
}
