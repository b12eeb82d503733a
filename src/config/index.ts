import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import type { NumberRules } from '../domain/phone.js';
import { hasHiddenCharacters } from '../domain/text.js';
import type { RateLimitMaxima } from '../ports/index.js';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl } from '../store/url.js';
import { type DirectoryConfig, directoryRawProblems, directoryShape, toDirectoryConfig } from './directory.js';
import {
  ConfigError,
  cleanEnv,
  describeIssues,
  duration,
  type Env,
  flag,
  intInRange,
  optionalInt,
  type RawEnv,
} from './env.js';
import { type PasswordConfig, passwordRawProblems, passwordShape, toPasswordConfig } from './password.js';
import { placeholderProblems } from './placeholders.js';

export type {
  CloudOptions,
  DirectoryConfig,
  EntraConfig,
  GoogleConfig,
  LdapConfig,
  OktaAuth,
  OktaConfig,
} from './directory.js';
export { directoryEndpoint, directoryTimeoutMs, directoryWorstCaseMs, OKTA_SCOPES } from './directory.js';
export { ConfigError } from './env.js';

/**
 * One schema over an env record that is passed in (never read from process.env here), parsed once by the
 * composition root. Messages never echo a value: several of these variables are secrets.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((u) => u.replace(/\/+$/, ''));

const senderNumber = z.string().refine(isValidSender, {
  message: 'must be an E.164 number (+15005550006), a 5-6 digit short code or an alphanumeric sender ID (1-11 chars)',
});

/** Shown to the employee as given (mrkdwn-escaped): one line, short enough to read at a glance. */
const securityContact = z
  .string()
  .trim()
  .max(200, 'must be at most 200 characters')
  .refine(
    (v) => !hasHiddenCharacters(v),
    'must be one line without control characters: a channel (#it-security), a handle (@security-team) or an email address',
  );

const envSchema = z.object({
  SLACK_BOT_TOKEN: z.string().startsWith('xoxb-', 'must be a bot token starting with xoxb-'),
  SLACK_MODE: z.enum(['socket', 'http'], 'must be "socket" or "http"').default('socket'),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'must be an app-level token starting with xapp-').optional(),
  SLACK_SIGNING_SECRET: z.string().min(8, 'looks too short for a signing secret').optional(),
  PORT: intInRange(0, 65535, 3000),
  HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be an address or host name to listen on, e.g. 0.0.0.0 or 127.0.0.1')
    .default('0.0.0.0'),
  HEALTH_PORT: optionalInt(0, 65535),
  SLACK_ADMIN_GROUP_ID: z.string().regex(/^S[A-Z0-9]{2,}$/, 'must be a user group ID like S0614TZR7 (not the @handle)'),
  SLACK_API_URL: httpUrl.optional(),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex characters'),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  TWILIO_API_KEY: z
    .string()
    .regex(/^SK[0-9a-fA-F]{32}$/, 'must be SK followed by 32 hex characters')
    .optional(),
  TWILIO_API_SECRET: z.string().min(1).optional(),
  TWILIO_FROM_NUMBER: senderNumber.optional(),
  TWILIO_MESSAGING_SERVICE_SID: z
    .string()
    .regex(/^MG[0-9a-fA-F]{32}$/, 'must be MG followed by 32 hex characters')
    .optional(),
  TWILIO_API_URL: httpUrl.optional(),
  TWILIO_TIMEOUT_MS: intInRange(100, 120_000, 10_000),
  STOP_TIMEOUT_SECONDS: intInRange(4, 3600, 10),
  TEMP_PASSWORD_TTL: duration({ min: 10_000, max: 365 * 86_400_000, fallbackMs: 24 * 3_600_000, zeroTurnsOff: true }),
  NOTIFY_EMPLOYEE: z.enum(['slack', 'off'], 'must be "slack" or "off"').default('slack'),
  SECURITY_CONTACT: securityContact.optional(),
  VERIFY_EMPLOYEE: z
    .enum(['off', 'optional', 'required'], 'must be "off", "optional" or "required"')
    .default('optional'),
  VERIFY_CODE_TTL: duration({ min: 30_000, max: 30 * 60_000, fallbackMs: 5 * 60_000 }),
  VERIFY_LOCK_MINUTES: intInRange(1, 1440, 30),
  VERIFY_APPROVAL_TTL: duration({ min: 1000, max: 30 * 60_000, fallbackMs: 5 * 60_000 }),
  SMS_VALIDITY_SECONDS: intInRange(1, 36_000, 600),
  DEFAULT_COUNTRY: z
    .string()
    .transform((c) => c.toUpperCase())
    .refine((c): c is CountryCode => isSupportedCountry(c), 'must be an ISO 3166 alpha-2 country code, e.g. US or GB')
    .default('US'),
  SMS_ALLOWED_COUNTRIES: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((c) => c.trim().toUpperCase())
        .filter(Boolean),
    )
    .refine(
      (codes) => codes.length > 0 && codes.every((c) => isSupportedCountry(c)),
      'must be ISO 3166 alpha-2 country codes separated by commas, e.g. US,CA',
    )
    .optional(),
  SMS_NUMBER_ALLOWLIST: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((n) => n.replace(/[\s()-]/g, ''))
        .filter(Boolean),
    )
    .refine(
      (prefixes) => prefixes.every((p) => /^\+\d{4,15}$/.test(p)),
      'must be E.164 numbers or prefixes of at least 4 digits separated by commas, e.g. +1500555',
    )
    .optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`).default('info'),
  DATABASE_URL: z
    .string()
    .refine((u) => parseDatabaseUrl(u) !== undefined, 'must be sqlite:<path> or postgres://user:password@host/db')
    .default(DEFAULT_DATABASE_URL),
  SMS_STATUS_POLL_MS: intInRange(10, 60_000, 2000),
  SMS_REDACT: flag(true),
  SMS_UNKNOWN_LOOKUP_AFTER: duration({ min: 1000, max: 3_600_000, fallbackMs: 120_000 }),
  AUDIT_CHANNEL_ID: z
    .string()
    .regex(/^[CG][A-Z0-9]{2,}$/, 'must be a channel ID like C0123ABCD (not the #name)')
    .optional(),
  RATE_LIMIT_EMPLOYEE_PER_10_MIN: intInRange(0, 1000, 1),
  RATE_LIMIT_EMPLOYEE_PER_DAY: intInRange(0, 1000, 3),
  RATE_LIMIT_PHONE_PER_DAY: intInRange(0, 1000, 3),
  RATE_LIMIT_ADMIN_PER_HOUR: intInRange(0, 10_000, 10),
  RATE_LIMIT_WORKSPACE_PER_DAY: intInRange(0, 1_000_000, 100),
  ...passwordShape,
  ...directoryShape,
});

/** Every variable the bot reads (the README and .env.example document each one). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/**
 * Rules across variables, checked on the raw record so they are reported even when other variables are
 * also wrong (a refinement on the schema would only run once every field had parsed).
 */
function crossFieldProblems(env: RawEnv): string[] {
  const problems: string[] = [];
  const mode = env.SLACK_MODE ?? 'socket';
  if (mode === 'socket' && !env.SLACK_APP_TOKEN) problems.push('SLACK_APP_TOKEN is required when SLACK_MODE=socket');
  if (mode === 'http' && !env.SLACK_SIGNING_SECRET)
    problems.push('SLACK_SIGNING_SECRET is required when SLACK_MODE=http');
  if (env.TWILIO_API_KEY || env.TWILIO_API_SECRET) {
    if (!env.TWILIO_API_KEY) problems.push('TWILIO_API_KEY is required together with TWILIO_API_SECRET');
    if (!env.TWILIO_API_SECRET) problems.push('TWILIO_API_SECRET is required together with TWILIO_API_KEY');
  } else if (!env.TWILIO_AUTH_TOKEN) {
    problems.push('TWILIO_AUTH_TOKEN is required (or set TWILIO_API_KEY and TWILIO_API_SECRET)');
  }
  const senders = [env.TWILIO_FROM_NUMBER, env.TWILIO_MESSAGING_SERVICE_SID].filter(Boolean).length;
  if (senders !== 1) {
    problems.push(
      `TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID: set exactly one (${senders === 0 ? 'neither is set' : 'both are set'})`,
    );
  }
  if (env.VERIFY_EMPLOYEE === 'required' && (env.DIRECTORY ?? 'none') === 'none') {
    problems.push(
      'VERIFY_EMPLOYEE=required needs a directory (DIRECTORY): the employee is verified through the number and email on record, and DIRECTORY=none has none',
    );
  }
  return [...placeholderProblems(env), ...problems, ...passwordRawProblems(env), ...directoryRawProblems(env)];
}

export type TwilioAuth =
  | { kind: 'authToken'; authToken: string }
  | { kind: 'apiKey'; apiKey: string; apiSecret: string };
export type TwilioSender = { kind: 'from'; from: string } | { kind: 'messagingService'; messagingServiceSid: string };

export interface Config {
  readonly slack: {
    readonly botToken: string;
    readonly mode: 'socket' | 'http';
    readonly appToken?: string;
    readonly signingSecret?: string;
    readonly port: number;
    /** Where the http listener (and the health server) listen. */
    readonly host: string;
    /** Socket Mode: a port for /healthz, /readyz (http mode serves them on PORT). */
    readonly healthPort?: number;
    readonly adminGroupId: string;
    readonly apiUrl?: string;
  };
  readonly twilio: {
    readonly accountSid: string;
    readonly auth: TwilioAuth;
    readonly sender: TwilioSender;
    readonly apiUrl?: string;
    readonly timeoutMs: number;
  };
  readonly sms: {
    readonly validitySeconds: number;
    /** First wait before asking Twilio for the delivery status; doubles up to 30 s. */
    readonly statusPollMs: number;
    readonly redact: boolean;
    /** How long after a send Twilio never answered the bot looks for it in Twilio's list (SMS_UNKNOWN_LOOKUP_AFTER). */
    readonly unknownLookupAfterMs: number;
    /** Which numbers may be texted: mobile numbers in the allowed countries, plus the allowlist. */
    readonly numbers: NumberRules;
  };
  /** Most resets per window, per limit; 0 means no limit. */
  readonly rateLimits: RateLimitMaxima;
  readonly auditChannelId?: string;
  readonly defaultCountry: CountryCode;
  readonly logLevel: LogLevel;
  readonly password: PasswordConfig;
  readonly databaseUrl: string;
  /** Where the password is set; `none` only texts it. */
  readonly directory: DirectoryConfig;
  /**
   * Whether and how the employee is verified before the reset (VERIFY_EMPLOYEE; only with a directory): the code's
   * lifetime (VERIFY_CODE_TTL) and how long three wrong codes lock verification for that employee.
   */
  readonly verification: {
    readonly mode: 'off' | 'optional' | 'required';
    readonly codeTtlMs: number;
    readonly lockMs: number;
    /** How long the employee has to answer the approval question in Slack (VERIFY_APPROVAL_TTL). */
    readonly approvalTtlMs: number;
  };
  /** How long a temporary password lives unless the employee changes it (TEMP_PASSWORD_TTL); 0: no expiry. */
  readonly tempPasswordTtlMs: number;
  /**
   * Whether the employee is told of a reset by a DM from the bot (NOTIFY_EMPLOYEE), and whom they should contact if
   * they did not ask for it (SECURITY_CONTACT, shown as given).
   */
  readonly employeeNotice: { readonly via: 'slack' | 'off'; readonly securityContact?: string };
  /**
   * How long SIGTERM may wait for resets under way: the process manager's grace (STOP_TIMEOUT_SECONDS, Docker's 10 s
   * by default) less STOP_MARGIN_MS, so the unknown-outcome notices and the close finish before SIGKILL.
   */
  readonly drainMs: number;
}

/** What a stop needs after the drain: marking the rest unknown, one Slack message per admin, closing the store. */
export const STOP_MARGIN_MS = 3000;

/** Parses a copy of `env`; empty strings count as unset, so `FOO=` in .env means "use the default". */
export function parseConfig(env: Env): Config {
  const cleaned = cleanEnv(env);
  const result = envSchema.safeParse(cleaned);
  const problems = [...(result.success ? [] : describeIssues(result.error)), ...crossFieldProblems(cleaned)];
  if (!result.success) throw new ConfigError([...new Set(problems)]);
  const password = toPasswordConfig(result.data);
  problems.push(...password.problems);
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  const e = result.data;
  const auth: TwilioAuth =
    e.TWILIO_API_KEY && e.TWILIO_API_SECRET
      ? { kind: 'apiKey', apiKey: e.TWILIO_API_KEY, apiSecret: e.TWILIO_API_SECRET }
      : { kind: 'authToken', authToken: e.TWILIO_AUTH_TOKEN ?? '' };
  const sender: TwilioSender = e.TWILIO_MESSAGING_SERVICE_SID
    ? { kind: 'messagingService', messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID }
    : { kind: 'from', from: e.TWILIO_FROM_NUMBER ?? '' };
  return deepFreeze({
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      mode: e.SLACK_MODE,
      ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
      ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
      port: e.PORT,
      host: e.HOST,
      ...(e.HEALTH_PORT !== undefined ? { healthPort: e.HEALTH_PORT } : {}),
      adminGroupId: e.SLACK_ADMIN_GROUP_ID,
      ...(e.SLACK_API_URL ? { apiUrl: e.SLACK_API_URL } : {}),
    },
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID,
      auth,
      sender,
      ...(e.TWILIO_API_URL ? { apiUrl: e.TWILIO_API_URL } : {}),
      timeoutMs: e.TWILIO_TIMEOUT_MS,
    },
    sms: {
      validitySeconds: e.SMS_VALIDITY_SECONDS,
      statusPollMs: e.SMS_STATUS_POLL_MS,
      redact: e.SMS_REDACT,
      unknownLookupAfterMs: e.SMS_UNKNOWN_LOOKUP_AFTER,
      numbers: {
        defaultCountry: e.DEFAULT_COUNTRY as CountryCode,
        allowedCountries: (e.SMS_ALLOWED_COUNTRIES ?? [e.DEFAULT_COUNTRY]) as CountryCode[],
        allowlist: e.SMS_NUMBER_ALLOWLIST ?? [],
      },
    },
    rateLimits: {
      employee_10m: e.RATE_LIMIT_EMPLOYEE_PER_10_MIN,
      employee_day: e.RATE_LIMIT_EMPLOYEE_PER_DAY,
      phone_day: e.RATE_LIMIT_PHONE_PER_DAY,
      admin_hour: e.RATE_LIMIT_ADMIN_PER_HOUR,
      workspace_day: e.RATE_LIMIT_WORKSPACE_PER_DAY,
    },
    ...(e.AUDIT_CHANNEL_ID ? { auditChannelId: e.AUDIT_CHANNEL_ID } : {}),
    defaultCountry: e.DEFAULT_COUNTRY as CountryCode,
    logLevel: e.LOG_LEVEL,
    password: password.config,
    databaseUrl: e.DATABASE_URL,
    directory: toDirectoryConfig(e),
    drainMs: e.STOP_TIMEOUT_SECONDS * 1000 - STOP_MARGIN_MS,
    tempPasswordTtlMs: e.TEMP_PASSWORD_TTL,
    verification: {
      mode: e.DIRECTORY === 'none' ? 'off' : e.VERIFY_EMPLOYEE,
      codeTtlMs: e.VERIFY_CODE_TTL,
      lockMs: e.VERIFY_LOCK_MINUTES * 60_000,
      approvalTtlMs: e.VERIFY_APPROVAL_TTL,
    },
    employeeNotice: {
      via: e.NOTIFY_EMPLOYEE,
      ...(e.SECURITY_CONTACT ? { securityContact: e.SECURITY_CONTACT } : {}),
    },
  });
}

function isValidSender(value: string): boolean {
  if (value.startsWith('+')) return parsePhoneNumberFromString(value)?.isValid() === true;
  return /^\d{5,6}$/.test(value) || /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/.test(value);
}

function deepFreeze<T extends object>(obj: T): T {
  for (const v of Object.values(obj)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(obj);
}
