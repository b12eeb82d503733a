import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel as ConfigLogLevel } from './config/index.js';

export type { Logger } from 'pino';

/**
 * Keys that may hold a secret anywhere within three levels of a log object. The password itself is never
 * handed to a logger; these catch tokens and anything a future change logs by mistake.
 */
const SECRET_KEYS = [
  'password',
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'authToken',
  'apiSecret',
  'smsBody',
  'authorization',
  'Authorization',
];
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export interface LoggerOptions {
  readonly level: ConfigLogLevel;
  /** Where JSON lines go; defaults to stdout (pretty-printed when stdout is a TTY). */
  readonly destination?: DestinationStream;
}

export function createLogger({ level, destination }: LoggerOptions): Logger {
  const options = {
    level,
    base: { app: 'resetpw' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError },
  };
  if (destination) return pino(options, destination);
  if (process.stdout.isTTY) return pino({ ...options, transport: { target: 'pino-pretty' } });
  return pino(options);
}

/**
 * pino's standard serializer copies every enumerable property, and an axios error carries the request body
 * (which holds the SMS text). Keep only what identifies the failure.
 */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err };
  const e = err as Error & { code?: unknown; status?: unknown; statusCode?: unknown; details?: unknown };
  return {
    type: e.name,
    message: e.message,
    ...(e.code !== undefined ? { code: e.code } : {}),
    ...(typeof e.status === 'number' ? { status: e.status } : {}),
    ...(typeof e.statusCode === 'number' ? { statusCode: e.statusCode } : {}),
    ...(e.details && typeof e.details === 'object' ? { details: e.details } : {}),
    stack: e.stack,
  };
}

const BOLT_LEVELS: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

/**
 * At debug level Bolt and its clients dump whole payloads as strings (form values typed by the admin, such as
 * the employee's full mobile number). Key-based redaction cannot see inside a string, so those dumps are cut.
 */
const PAYLOAD_DUMPS = [
  /^(http request (?:body|result|headers):).*/s,
  /^(Received a message on the WebSocket:).*/s,
  /^(Sending a WebSocket message:).*/s,
  /^(Unable to parse an incoming WebSocket message).*/s,
  /^(Calling ack\(\) - type: [^,]*, envelope_id: [^,]*,).*/s,
  /^()\{.*/s,
];

export function omitPayloads(text: string): string {
  for (const re of PAYLOAD_DUMPS) {
    if (re.test(text)) return text.replace(re, (_all, head: string) => `${head}${head ? ' ' : ''}[payload omitted]`);
  }
  return text;
}

/** Bolt (and the WebClient it builds) log through this, so their output gets the same level, format and redaction. */
export function toBoltLogger(log: Logger): BoltLogger {
  let child = log.child({ component: 'bolt' });
  const write = (level: 'debug' | 'info' | 'warn' | 'error', msg: unknown[]) => {
    // Bolt and the WebClient log a lot at debug; skip the formatting when nobody will read it.
    if (!child.isLevelEnabled(level)) return;
    const err = msg.find((m): m is Error => m instanceof Error);
    let text = msg
      .filter((m) => !(m instanceof Error))
      .map((m) => (typeof m === 'string' ? m : safeJson(m)))
      .join(' ');
    text = omitPayloads(text);
    if (err) child[level]({ err }, text || err.message);
    else child[level](text);
  };
  return {
    debug: (...msg) => write('debug', msg),
    info: (...msg) => write('info', msg),
    warn: (...msg) => write('warn', msg),
    error: (...msg) => write('error', msg),
    // The level is owned by LOG_LEVEL; Bolt and its WebClient call setLevel on construction.
    setLevel: () => {},
    getLevel: () => BOLT_LEVELS[log.level] ?? LogLevel.INFO,
    setName: (name) => {
      child = log.child({ component: name });
    },
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
