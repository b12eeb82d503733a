import {
  type RateLimiterAbstract,
  RateLimiterPostgres,
  RateLimiterRes,
  RateLimiterSQLite,
} from 'rate-limiter-flexible';
import { AppError, ErrorCode } from '../errors.js';
import {
  RATE_LIMIT_NAMES,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitMaxima,
  type RateLimitName,
  type RateLimitSubject,
} from '../ports/index.js';
import type { RawClient } from './database.js';

/** How long each limit's window is. Windows are fixed: they start at the first reset counted in them. */
export const RATE_LIMIT_WINDOW_SECONDS: Readonly<Record<RateLimitName, number>> = {
  employee_10m: 600,
  employee_day: 86_400,
  phone_day: 86_400,
  admin_hour: 3600,
  workspace_day: 86_400,
};

/**
 * rate-limiter-flexible on the bot's own database: each count is one atomic upsert, so limits are exact under
 * concurrency and shared by every replica on the same store. The table is created by the migrations.
 */
export function createRateLimiter(raw: RawClient, maxima: RateLimitMaxima): RateLimiter {
  const limits = RATE_LIMIT_NAMES.filter((name) => maxima[name] > 0).map((name) => ({
    name,
    max: maxima[name],
    windowSeconds: RATE_LIMIT_WINDOW_SECONDS[name],
    limiter: build(raw, name, maxima[name]),
  }));

  const giveBack = async (taken: readonly (typeof limits)[number][], subject: RateLimitSubject) => {
    // Best effort: a failed give-back only makes a limit stricter, never looser. A give-back after the window
    // rolled over lends the new window one reset; windows are minutes to a day, sends take seconds.
    await Promise.allSettled(taken.map((l) => l.limiter.reward(keyFor(l.name, subject), 1)));
  };

  return {
    async take(subject, only): Promise<RateLimitDecision> {
      const taken: (typeof limits)[number][] = [];
      for (const limit of only ? limits.filter((l) => only.includes(l.name)) : limits) {
        try {
          await limit.limiter.consume(keyFor(limit.name, subject), 1);
          taken.push(limit);
        } catch (err) {
          if (err instanceof RateLimiterRes) {
            // The refused count is given back too, so a refusal never pushes a counter past its maximum.
            await giveBack([...taken, limit], subject);
            return {
              allowed: false,
              limit: limit.name,
              max: limit.max,
              windowSeconds: limit.windowSeconds,
              retryAt: new Date(Date.now() + err.msBeforeNext),
            };
          }
          await giveBack(taken, subject);
          throw new AppError(ErrorCode.RateLimitUnavailable, 'Rate limit counters unavailable', {
            limit: limit.name,
            errorName: err instanceof Error ? err.name : typeof err,
          });
        }
      }
      return { allowed: true };
    },
    refund: (subject, only) => giveBack(only ? limits.filter((l) => only.includes(l.name)) : limits, subject),
  };
}

function keyFor(name: RateLimitName, s: RateLimitSubject): string {
  const team = s.teamId ?? '-';
  switch (name) {
    case 'employee_10m':
    case 'employee_day':
      // An account found in the directory is counted as itself (DNs compare case-insensitively); a typed code
      // is counted as the code, and E-1042 and e-1042 are one employee.
      return s.accountId ? `${team}:account:${s.accountId.toLowerCase()}` : `${team}:${s.employeeCode.toUpperCase()}`;
    case 'phone_day':
      return `${team}:${s.phoneE164}`;
    case 'admin_hour':
      return `${team}:${s.adminUserId}`;
    case 'workspace_day':
      return team;
  }
}

function build(raw: RawClient, name: RateLimitName, points: number): RateLimiterAbstract {
  const options = {
    keyPrefix: `resetpw_${name}`,
    points,
    duration: RATE_LIMIT_WINDOW_SECONDS[name],
    tableName: 'rate_limits',
    tableCreated: true,
  };
  return raw.engine === 'sqlite'
    ? new RateLimiterSQLite({ ...options, storeClient: raw.sqlite, storeType: 'better-sqlite3' })
    : new RateLimiterPostgres({ ...options, storeClient: raw.pool, storeType: 'pool' });
}
