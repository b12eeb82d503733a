import { z } from 'zod';

/** Shared pieces of the configuration schemas. Messages never echo a value: several variables are secrets. */

export type Env = Readonly<Record<string, string | undefined>>;
export type RawEnv = Readonly<Record<string, string>>;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`,
    );
    this.name = 'ConfigError';
  }
}

/** A copy without unset or blank values, so `FOO=` in .env means "use the default". */
export function cleanEnv(env: Env): RawEnv {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1].trim() !== ''),
  );
}

export const intInRange = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .default(fallback);

/** A whole number in range, or unset. */
export const optionalInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .optional();

export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false'], 'must be "true" or "false"')
    .transform((v) => v === 'true')
    .default(fallback);

export const booleanFlag = flag(false);

/** "VARIABLE what is wrong", one line per zod issue. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const name = i.path.length > 0 ? String(i.path[0]) : 'environment';
    const message = i.code === 'invalid_type' && i.input === undefined ? 'is required' : i.message;
    return `${name} ${message}`;
  });
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A bound as it would be written: the largest unit that divides it (`1h`, `365d`, `90s`). */
function durationText(ms: number): string {
  const units = Object.entries(UNIT_MS).sort(([, a], [, b]) => b - a);
  const [unit, size] = units.find(([, size]) => ms % size === 0) ?? ['s', 1000];
  return `${ms / size}${unit}`;
}

/**
 * A duration with a unit (`90s`, `30m`, `24h`, `3d`), in milliseconds; `0` when `zeroTurnsOff` (the feature is off).
 * A bare number is refused: seconds or hours is exactly the mistake a unit prevents.
 */
export const duration = (o: { min: number; max: number; fallbackMs: number; zeroTurnsOff?: boolean }) =>
  z
    .string()
    .trim()
    .transform((v, ctx) => {
      if (o.zeroTurnsOff && v === '0') return 0;
      const m = /^(\d+)\s*([smhd])$/.exec(v);
      if (!m) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a number with a unit: s, m, h or d (e.g. 90s, 30m, 24h, 3d)${o.zeroTurnsOff ? ', or 0 for none' : ''}`,
        });
        return z.NEVER;
      }
      const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
      if (ms > o.max) {
        ctx.addIssue({ code: 'custom', message: `must be at most ${durationText(o.max)}` });
        return z.NEVER;
      }
      if (ms < o.min) {
        ctx.addIssue({
          code: 'custom',
          message: `must be at least ${durationText(o.min)}${o.zeroTurnsOff ? ' (or 0 for none)' : ''}`,
        });
        return z.NEVER;
      }
      return ms;
    })
    .default(o.fallbackMs);
