import type { Env } from '../config/env.js';
import { type Config, ConfigError, parseConfig } from '../config/index.js';
import { MIN_ENTROPY_BITS, passwordLength } from '../domain/password-policy.js';
import { describeDatabase } from '../store/database.js';
import { type CheckResult, fail, pass } from './check.js';
import { directoryChecks } from './directory.js';
import { slackChecks } from './slack.js';
import { storeCheck } from './store.js';
import { twilioChecks } from './twilio.js';

export type { CheckResult } from './check.js';

export interface DoctorReport {
  /** True only if no check failed (skipped ones do not count). */
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
}

/**
 * `resetpw doctor`: the bot's own configuration, checked against the real services, read-only. Nothing is sent,
 * written or reset; the only lookup is the one asked for. Secrets never appear in the report.
 */
export async function runDoctor(env: Env, options: { employee?: string } = {}): Promise<DoctorReport> {
  let config: Config;
  try {
    config = parseConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return {
      ok: false,
      checks: [
        fail(
          'config',
          'Configuration',
          // One per line, as start-up lists them.
          [
            `${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}:`,
            ...err.problems.map((p) => `- ${p}`),
          ].join('\n'),
          'fix the variables named (see Configuration in the README); nothing else was checked',
        ),
      ],
    };
  }
  const [slack, twilio, store, directory] = await Promise.all([
    slackChecks(config.slack),
    twilioChecks(config.twilio),
    storeCheck(config.databaseUrl),
    directoryChecks(config, options.employee),
  ]);
  const checks = [configCheck(config), passwordCheck(config), ...slack, ...twilio, store, ...directory];
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

function configCheck(config: Config): CheckResult {
  const mode =
    config.slack.mode === 'socket' ? 'Socket Mode' : `http mode on ${config.slack.host}:${config.slack.port}`;
  return pass(
    'config',
    'Configuration',
    `${mode}, DIRECTORY=${config.directory.kind}, store ${describeDatabase(config.databaseUrl)}`,
  );
}

function passwordCheck(config: Config): CheckResult {
  const { profile, entropyBits } = config.password;
  const shape = `${profile.name}, ${passwordLength(profile)} characters, ${entropyBits.toFixed(1)} bits of entropy`;
  return entropyBits >= MIN_ENTROPY_BITS
    ? pass('password', 'Password profile', `${shape} (floor ${MIN_ENTROPY_BITS})`)
    : fail(
        'password',
        'Password profile',
        `${shape}, under the ${MIN_ENTROPY_BITS}-bit floor (accepted only because PASSWORD_ALLOW_WEAK=true)`,
        'raise PASSWORD_LENGTH or use PASSWORD_PROFILE=strong, and drop PASSWORD_ALLOW_WEAK',
      );
}

const MARK = { pass: '✔', fail: '✖', skip: '–' } as const;

/** One line per check, with what to do under each failure, and a last line that counts. */
export function formatDoctor(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.title.length));
  const indent = `  ${' '.repeat(width)}  `;
  const lines = report.checks.flatMap((c) => {
    const [first = '', ...more] = c.detail.split('\n');
    return [
      `${MARK[c.status]} ${c.title.padEnd(width)}  ${first}`,
      ...more.map((line) => `${indent}${line}`),
      ...(c.fix ? [`${indent}→ ${c.fix}`] : []),
    ];
  });
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  const summary = failed === 0 ? 'All checks passed.' : `${failed} check${failed === 1 ? '' : 's'} failed.`;
  return [...lines, '', summary].join('\n');
}
