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
