import { z } from 'zod';
import {
  buildProfile,
  entropyBits,
  MIN_ENTROPY_BITS,
  PASSWORD_DEFAULTS,
  type PasswordProfile,
  PROFILE_NAMES,
} from '../domain/password-policy.js';
import { booleanFlag, ConfigError, cleanEnv, describeIssues, type Env, intInRange, type RawEnv } from './env.js';

/** The password variables: also read on their own by `resetpw policy`, which needs nothing else. */
export const passwordShape = {
  PASSWORD_PROFILE: z
    .enum(PROFILE_NAMES, `must be one of ${PROFILE_NAMES.join(', ')}`)
    .default(PASSWORD_DEFAULTS.profile),
  PASSWORD_LENGTH: intInRange(12, 64, PASSWORD_DEFAULTS.length),
  PASSWORD_GROUPS: intInRange(2, 16, PASSWORD_DEFAULTS.groups),
  PASSWORD_ALLOW_WEAK: booleanFlag,
};
const passwordSchema = z.object(passwordShape);
type PasswordEnv = z.infer<typeof passwordSchema>;

export interface PasswordConfig {
  readonly profile: PasswordProfile;
  readonly entropyBits: number;
  readonly allowWeak: boolean;
}

/** Rules across the password variables, on the raw record (so they show up alongside other problems). */
export function passwordRawProblems(env: RawEnv): string[] {
  const profile = env.PASSWORD_PROFILE ?? PASSWORD_DEFAULTS.profile;
  const problems: string[] = [];
  if (!(PROFILE_NAMES as readonly string[]).includes(profile)) return problems; // reported by the schema
  if (env.PASSWORD_LENGTH && profile !== 'strong') {
    problems.push(`PASSWORD_LENGTH only applies to PASSWORD_PROFILE=strong (the ${profile} profile has a fixed shape)`);
  }
  if (env.PASSWORD_GROUPS && profile !== 'dictation') {
    problems.push('PASSWORD_GROUPS only applies to PASSWORD_PROFILE=dictation');
  }
  return problems;
}

export function toPasswordConfig(e: PasswordEnv): { config: PasswordConfig; problems: string[] } {
  const profile = buildProfile({ profile: e.PASSWORD_PROFILE, length: e.PASSWORD_LENGTH, groups: e.PASSWORD_GROUPS });
  const bits = entropyBits(profile);
  const problems =
    bits < MIN_ENTROPY_BITS && !e.PASSWORD_ALLOW_WEAK
      ? [
          `${shapedBy(e)} gives ${bits.toFixed(1)} bits, under the ${MIN_ENTROPY_BITS}-bit floor ` +
            '(set PASSWORD_ALLOW_WEAK=true to accept it)',
        ]
      : [];
  return { config: { profile, entropyBits: bits, allowWeak: e.PASSWORD_ALLOW_WEAK }, problems };
}

/** The variable that sets the profile's strength, named first, as the one to change. */
function shapedBy(e: PasswordEnv): string {
  switch (e.PASSWORD_PROFILE) {
    case 'dictation':
      return `PASSWORD_GROUPS=${e.PASSWORD_GROUPS} (PASSWORD_PROFILE=dictation)`;
    case 'strong':
      return `PASSWORD_LENGTH=${e.PASSWORD_LENGTH} (PASSWORD_PROFILE=strong)`;
    default:
      return `PASSWORD_PROFILE=${e.PASSWORD_PROFILE}`;
  }
}

/** Only the password variables; throws ConfigError naming every bad one. */
export function parsePasswordConfig(env: Env): PasswordConfig {
  const cleaned = cleanEnv(env);
  const result = passwordSchema.safeParse(cleaned);
  const problems = [...(result.success ? [] : describeIssues(result.error)), ...passwordRawProblems(cleaned)];
  if (!result.success) throw new ConfigError(problems);
  const { config, problems: floor } = toPasswordConfig(result.data);
  if (problems.length + floor.length > 0) throw new ConfigError([...problems, ...floor]);
  return config;
}
