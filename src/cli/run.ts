import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { Env } from '../config/env.js';
import { ConfigError } from '../config/env.js';
import { formatDoctor, runDoctor } from '../doctor/index.js';
import { StoreOpenError } from '../store/database.js';
import { auditReport } from './audit.js';
import { policyReport } from './policy.js';
import { readyProbe } from './ready.js';

const USAGE = `Usage: resetpw <command>

Commands:
  policy [--samples N] [--json]   show the active password profile (PASSWORD_* variables), its exact entropy
                                  and N sample passwords (default 5); needs no Slack or Twilio configuration
  audit [--limit N] [--since ISO] [--employee CODE] [--json]
                                  list reset records from DATABASE_URL, newest first (default limit 50)
  doctor [--employee CODE] [--json]
                                  check the configuration against Slack, Twilio, the store and the
                                  directory (read-only; --employee also looks one employee up);
                                  exit 0 only if every check passes
  ready                           exit 0 if the bot on this host answers GET /readyz with 200 (on PORT in
                                  http mode, HEALTH_PORT in Socket Mode): the container HEALTHCHECK
  help                            this text`;

const OPTIONS: Record<'policy' | 'audit' | 'doctor', ParseArgsConfig['options']> = {
  policy: { samples: { type: 'string' }, json: { type: 'boolean' } },
  audit: {
    limit: { type: 'string' },
    since: { type: 'string' },
    employee: { type: 'string' },
    json: { type: 'boolean' },
  },
  doctor: { employee: { type: 'string' }, json: { type: 'boolean' } },
};

/** The CLI as a function: arguments and environment in, exit code out. */
export async function runCli(
  argv: readonly string[],
  env: Env,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? err : out)(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'ready') {
    const { ready, line } = await readyProbe(env);
    (ready ? out : err)(line);
    return ready ? 0 : 1;
  }
  if (command !== 'policy' && command !== 'audit' && command !== 'doctor') {
    err(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }
  let values: { samples?: string; json?: boolean; limit?: string; since?: string; employee?: string };
  try {
    const options: ParseArgsConfig['options'] = OPTIONS[command];
    values = parseArgs({ args: [...rest], options }).values as typeof values;
  } catch (e) {
    err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  try {
    if (command === 'doctor') {
      const report = await runDoctor(env, values.employee === undefined ? {} : { employee: values.employee });
      out(values.json ? jsonForTerminal(report) : formatDoctor(report));
      return report.ok ? 0 : 1;
    }
    if (command === 'audit') {
      const { rows, text } = await auditReport(env, values);
      out(values.json ? jsonForTerminal(rows) : text);
      return 0;
    }
    const samples = values.samples === undefined ? 5 : Number(values.samples);
    if (!Number.isInteger(samples) || samples < 0 || samples > 10_000) {
      err('--samples must be a whole number from 0 to 10000');
      return 2;
    }
    const { report, text } = policyReport(env, samples);
    out(values.json ? JSON.stringify(report) : text);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      err(e.message);
      return 1;
    }
    if (e instanceof StoreOpenError) {
      // Not a configuration problem: the database named is missing, not one, or cannot be read.
      err(`resetpw ${command}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

/** JSON whose invisible characters (bidi overrides, zero-width) are \u escapes too, not only its controls. */
function jsonForTerminal(value: unknown): string {
  return JSON.stringify(value).replace(/[\p{Cf}\p{Zl}\p{Zp}]/gu, (c) =>
    Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}
