import type { Logger } from 'pino';
import type { HomeViewers } from '../ports/index.js';

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
  /**
   * Who opened their Home, shared by every replica: an admin who opened it elsewhere (or before a restart) within
   * VIEWER_DAYS has it republished here too. Without it, only openings seen by this process count.
   */
  readonly viewers?: HomeViewers;
  readonly now?: () => number;
}

/** An admin who opened their Home within this many days has it kept up to date by every replica. */
export const VIEWER_DAYS = 30;

export interface HomeRefresh {
  /** The user opened the Home tab: published now; an admin is remembered so that later changes republish it. */
  opened(userId: string, log: Logger): Promise<void>;
  /**
   * One of this admin's resets changed state: their Home is published again shortly, if they opened it (here since
   * this process started, or on any replica within VIEWER_DAYS); a Home nobody has looked at is left for its next
   * opening. Never throws.
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
  const now = deps.now ?? Date.now;
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

  /** Opened here, or (the store says) on another replica or before this process started, within VIEWER_DAYS. */
  const opened = async (adminUserId: string): Promise<boolean> => {
    if (remembered.has(adminUserId)) return true;
    const since = new Date(now() - VIEWER_DAYS * 86_400_000);
    const seen = await deps.viewers?.openedSince(adminUserId, since).catch((err: unknown) => {
      deps.log.warn({ err }, 'could not read who opened the App Home');
      return false;
    });
    if (seen) remember(adminUserId);
    return seen === true;
  };
  const schedule = (adminUserId: string) => {
    const timer = setTimeout(() => {
      timers.delete(adminUserId);
      if (stopped) return;
      void opened(adminUserId).then((yes) => {
        if (yes && !stopped) void publish(adminUserId, deps.log);
      });
    }, debounceMs);
    timer.unref();
    timers.set(adminUserId, timer);
  };

  return {
    opened(userId, log) {
      if (stopped) return Promise.resolve();
      // Remembered now, not once published: a change while this first publish runs must not be missed.
      remember(userId);
      // For the other replicas; a store that cannot take it only costs them this Home's refreshes.
      void deps.viewers
        ?.opened(userId, new Date(now()))
        .catch((err: unknown) => log.warn({ err }, 'could not record who opened the App Home'));
      return publish(userId, log);
    },
    refresh(adminUserId) {
      if (stopped || timers.has(adminUserId)) return;
      if (!remembered.has(adminUserId) && !deps.viewers) return;
      // Nothing else here: this runs on a reset's own path (its first notice comes before the admin check's
      // request leaves), so even the store's answer on who opened the Home waits for the debounce.
      schedule(adminUserId);
    },
    async stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.all(chains.values());
    },
  };
}

/** How a notice's first argument names the admin: a row or a live password, a delivery job, a change seen. */
export type NamesAdmin =
  | { readonly adminUserId: string }
  | { readonly summary: { readonly adminUserId: string } }
  | { readonly password: { readonly adminUserId: string } };

/** `T` itself when every member is an async method whose first argument names the admin; `never` members otherwise. */
type NoticesNamingAdmins<T> = {
  [K in keyof T]: T[K] extends (first: infer A, ...rest: never[]) => Promise<unknown>
    ? A extends NamesAdmin
      ? T[K]
      : never
    : never;
};

/**
 * A notices port (DeliveryReporter, ExpiryNotices, InterruptionNotices, …) whose every call, once it has run, asks
 * for the admin's Home to be published again: each is told about one reset after its audit row changed. The type
 * admits only ports whose every method names the admin in its first argument, so a new notice cannot slip by.
 */
export function refreshingHome<T extends NoticesNamingAdmins<T>>(port: T, home: Pick<HomeRefresh, 'refresh'>): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(port) as [string, (...args: unknown[]) => Promise<unknown>][]) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await member.apply(port, args);
      } finally {
        const admin = adminOf(args[0] as NamesAdmin);
        if (admin) home.refresh(admin);
      }
    };
  }
  return wrapped as T;
}

function adminOf(subject: NamesAdmin | undefined): string | undefined {
  if (!subject) return undefined;
  if ('adminUserId' in subject) return subject.adminUserId;
  if ('summary' in subject) return subject.summary.adminUserId;
  if ('password' in subject) return subject.password.adminUserId;
  return undefined;
}
