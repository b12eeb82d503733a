import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, parseConfig } from '../../src/config/index.js';
import { EXAMPLE_VALUES } from '../../src/config/placeholders.js';

const SID = `AC${'1'.repeat(32)}`;
const VALID = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_APP_TOKEN: 'xapp-1-A1-2-abc',
  SLACK_ADMIN_GROUP_ID: 'S0ADMINS1',
  TWILIO_ACCOUNT_SID: SID,
  TWILIO_AUTH_TOKEN: 'secret-token-value',
  TWILIO_FROM_NUMBER: '+15005550006',
};

/** README.md and the per-directory guides it links to (docs/directories/*.md), as one text. */
function readDocs(): string {
  const root = join(import.meta.dirname, '../..');
  const docsDir = join(root, 'docs/directories');
  const guides = readdirSync(docsDir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => readFileSync(join(docsDir, f), 'utf8'));
  return [readFileSync(join(root, 'README.md'), 'utf8'), ...guides].join('\n');
}

function problems(env: Record<string, string | undefined>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems as string[];
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('applies documented defaults', () => {
    const c = parseConfig(VALID);
    expect(c.slack.mode).toBe('socket');
    expect(c.slack.port).toBe(3000);
    expect(c.twilio.timeoutMs).toBe(10_000);
    expect(c.sms.validitySeconds).toBe(600);
    expect(c.defaultCountry).toBe('US');
    expect(c.logLevel).toBe('info');
    expect(c.twilio.auth).toEqual({ kind: 'authToken', authToken: 'secret-token-value' });
    expect(c.twilio.sender).toEqual({ kind: 'from', from: '+15005550006' });
    expect(Object.isFrozen(c.slack)).toBe(true);
  });

  it('waits for resets under way for the stop grace less 3 s, finishing inside Docker’s 10 s by default', () => {
    expect(parseConfig(VALID).drainMs).toBe(7000);
    expect(parseConfig({ ...VALID, STOP_TIMEOUT_SECONDS: '30' }).drainMs).toBe(27_000);
    expect(problems({ ...VALID, STOP_TIMEOUT_SECONDS: '3' })).toEqual(['STOP_TIMEOUT_SECONDS must be at least 4']);
  });

  it('verifies the employee by default where there is a directory, and refuses to require it without one', () => {
    const ldap = {
      ...VALID,
      DIRECTORY: 'ldap',
      LDAP_URL: 'ldaps://ldap.example.com',
      LDAP_BIND_DN: 'cn=bot,dc=example,dc=com',
      LDAP_BIND_PASSWORD: 'x-secret-1',
      LDAP_BASE_DN: 'dc=example,dc=com',
    };
    expect(parseConfig(VALID).verification.mode).toBe('off'); // DIRECTORY=none: nothing to verify against
    const withDirectory = parseConfig(ldap).verification;
    expect(withDirectory).toEqual({ mode: 'optional', codeTtlMs: 300_000, lockMs: 1_800_000, approvalTtlMs: 300_000 });
    expect(
      parseConfig({ ...ldap, VERIFY_EMPLOYEE: 'required', VERIFY_CODE_TTL: '90s', VERIFY_LOCK_MINUTES: '5' })
        .verification,
    ).toEqual({
      mode: 'required',
      codeTtlMs: 90_000,
      lockMs: 300_000,
      approvalTtlMs: 300_000,
    });
    expect(problems({ ...VALID, VERIFY_EMPLOYEE: 'required' })).toEqual([
      'VERIFY_EMPLOYEE=required needs a directory (DIRECTORY): the employee is verified through the number and email on record, and DIRECTORY=none has none',
    ]);
    expect(problems({ ...ldap, VERIFY_EMPLOYEE: 'always', VERIFY_CODE_TTL: '10s' })).toEqual([
      'VERIFY_EMPLOYEE must be "off", "optional" or "required"',
      'VERIFY_CODE_TTL must be at least 30s',
    ]);
  });

  it('reads SMS_UNKNOWN_LOOKUP_AFTER as a duration from 1s to 1h, 2m by default, never 0', () => {
    expect(parseConfig({ ...VALID, SMS_UNKNOWN_LOOKUP_AFTER: '30s' }).sms.unknownLookupAfterMs).toBe(30_000);
    expect(problems({ ...VALID, SMS_UNKNOWN_LOOKUP_AFTER: '2h' })).toEqual([
      'SMS_UNKNOWN_LOOKUP_AFTER must be at most 1h',
    ]);
    expect(problems({ ...VALID, SMS_UNKNOWN_LOOKUP_AFTER: '0' })).toHaveLength(1);
    expect(problems({ ...VALID, SMS_UNKNOWN_LOOKUP_AFTER: '120' })).toHaveLength(1);
  });

  it('reads TEMP_PASSWORD_TTL as a duration with a unit: 24h by default, 0 for none, at least 10s', () => {
    expect(parseConfig(VALID).tempPasswordTtlMs).toBe(86_400_000);
    expect(parseConfig({ ...VALID, TEMP_PASSWORD_TTL: '0' }).tempPasswordTtlMs).toBe(0);
    expect(parseConfig({ ...VALID, TEMP_PASSWORD_TTL: '90s' }).tempPasswordTtlMs).toBe(90_000);
    expect(parseConfig({ ...VALID, TEMP_PASSWORD_TTL: '30m' }).tempPasswordTtlMs).toBe(1_800_000);
    expect(parseConfig({ ...VALID, TEMP_PASSWORD_TTL: '3d' }).tempPasswordTtlMs).toBe(259_200_000);
    expect(problems({ ...VALID, TEMP_PASSWORD_TTL: '5s' })).toEqual([
      'TEMP_PASSWORD_TTL must be at least 10s (or 0 for none)',
    ]);
    // Past a year a due time no longer sorts as text (and 1e8 days is not a date at all).
    expect(problems({ ...VALID, TEMP_PASSWORD_TTL: '366d' })).toEqual(['TEMP_PASSWORD_TTL must be at most 365d']);
    expect(problems({ ...VALID, TEMP_PASSWORD_TTL: '99999999999999999999d' })).toEqual([
      'TEMP_PASSWORD_TTL must be at most 365d',
    ]);
    expect(problems({ ...VALID, TEMP_PASSWORD_TTL: '24' })).toEqual([
      'TEMP_PASSWORD_TTL must be a number with a unit: s, m, h or d (e.g. 90s, 30m, 24h, 3d), or 0 for none',
    ]);
  });

  it('tells the employee in Slack by default (NOTIFY_EMPLOYEE), with SECURITY_CONTACT shown as given', () => {
    expect(parseConfig(VALID).employeeNotice).toEqual({ via: 'slack' });
    expect(parseConfig({ ...VALID, NOTIFY_EMPLOYEE: 'off' }).employeeNotice).toEqual({ via: 'off' });
    for (const contact of ['#it-security', '@security-team', 'security@example.com', 'IT desk, ext. 4242']) {
      expect(parseConfig({ ...VALID, SECURITY_CONTACT: contact }).employeeNotice).toEqual({
        via: 'slack',
        securityContact: contact,
      });
    }
    expect(parseConfig({ ...VALID, SECURITY_CONTACT: '  #it-security ' }).employeeNotice.securityContact).toBe(
      '#it-security',
    );
    expect(problems({ ...VALID, NOTIFY_EMPLOYEE: 'email' })).toEqual(['NOTIFY_EMPLOYEE must be "slack" or "off"']);
    const oneLine =
      'SECURITY_CONTACT must be one line without control characters: a channel (#it-security), a handle (@security-team) or an email address';
    expect(problems({ ...VALID, SECURITY_CONTACT: '#it-security\n<!channel> reset yours here' })).toEqual([oneLine]);
    expect(problems({ ...VALID, SECURITY_CONTACT: '#it-\u202esecurity' })).toEqual([oneLine]);
    expect(problems({ ...VALID, SECURITY_CONTACT: 'x'.repeat(201) })).toEqual([
      'SECURITY_CONTACT must be at most 200 characters',
    ]);
    expect(parseConfig({ ...VALID, SECURITY_CONTACT: 'x'.repeat(200) }).employeeNotice.securityContact).toHaveLength(
      200,
    );
  });

  it('lists every missing required variable by name in one error', () => {
    const list = problems({});
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SLACK_ADMIN_GROUP_ID',
      'TWILIO_ACCOUNT_SID',
      'SLACK_APP_TOKEN',
      'TWILIO_AUTH_TOKEN',
    ]) {
      expect(list.some((p) => p.startsWith(`${name} `))).toBe(true);
    }
    expect(list).toContain('TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID: set exactly one (neither is set)');
  });

  it('names each bad value without echoing it', () => {
    const env = {
      ...VALID,
      SLACK_BOT_TOKEN: 'xoxp-user-token-secret',
      SLACK_MODE: 'webhook',
      PORT: 'eighty',
      SLACK_ADMIN_GROUP_ID: '@it-admins',
      TWILIO_TIMEOUT_MS: '50',
      SMS_VALIDITY_SECONDS: '99999',
      DEFAULT_COUNTRY: 'XX',
      LOG_LEVEL: 'verbose',
      SLACK_API_URL: 'ftp://nope',
    };
    const list = problems(env);
    const names = list.map((p) => p.split(' ')[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        'SLACK_BOT_TOKEN',
        'SLACK_MODE',
        'PORT',
        'SLACK_ADMIN_GROUP_ID',
        'TWILIO_TIMEOUT_MS',
        'SMS_VALIDITY_SECONDS',
        'DEFAULT_COUNTRY',
        'LOG_LEVEL',
        'SLACK_API_URL',
      ]),
    );
    expect(list.join('\n')).not.toContain('xoxp-user-token-secret');
    const err = new ConfigError(list);
    expect(err.message).toMatch(/^Invalid configuration \(\d+ problems\):/);
  });

  it('requires the app token in socket mode and the signing secret in http mode', () => {
    expect(problems({ ...VALID, SLACK_APP_TOKEN: undefined })).toEqual([
      'SLACK_APP_TOKEN is required when SLACK_MODE=socket',
    ]);
    expect(problems({ ...VALID, SLACK_MODE: 'http' })).toEqual([
      'SLACK_SIGNING_SECRET is required when SLACK_MODE=http',
    ]);
    const http = parseConfig({ ...VALID, SLACK_MODE: 'http', SLACK_SIGNING_SECRET: 'abcdef0123456789', PORT: '8080' });
    expect(http.slack).toMatchObject({ mode: 'http', port: 8080, signingSecret: 'abcdef0123456789' });
  });

  it('accepts an API key pair instead of the auth token, but not half a pair', () => {
    const key = `SK${'1'.repeat(32)}`;
    const c = parseConfig({ ...VALID, TWILIO_AUTH_TOKEN: undefined, TWILIO_API_KEY: key, TWILIO_API_SECRET: 's3cret' });
    expect(c.twilio.auth).toEqual({ kind: 'apiKey', apiKey: key, apiSecret: 's3cret' });
    expect(problems({ ...VALID, TWILIO_AUTH_TOKEN: undefined, TWILIO_API_KEY: key })).toEqual([
      'TWILIO_API_SECRET is required together with TWILIO_API_KEY',
    ]);
  });

  it('wants exactly one sender', () => {
    const mg = `MG${'b'.repeat(32)}`;
    expect(problems({ ...VALID, TWILIO_MESSAGING_SERVICE_SID: mg })[0]).toContain('both are set');
    const c = parseConfig({ ...VALID, TWILIO_FROM_NUMBER: undefined, TWILIO_MESSAGING_SERVICE_SID: mg });
    expect(c.twilio.sender).toEqual({ kind: 'messagingService', messagingServiceSid: mg });
    expect(problems({ ...VALID, TWILIO_FROM_NUMBER: '555-1234' })[0]).toMatch(/^TWILIO_FROM_NUMBER must be/);
    expect(parseConfig({ ...VALID, TWILIO_FROM_NUMBER: 'ACME IT' }).twilio.sender).toEqual({
      kind: 'from',
      from: 'ACME IT',
    });
  });

  it('treats empty strings as unset and normalises URLs and country', () => {
    const c = parseConfig({
      ...VALID,
      LOG_LEVEL: '',
      DEFAULT_COUNTRY: 'gb',
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      TWILIO_API_URL: 'http://127.0.0.1:8/',
    });
    expect(c.logLevel).toBe('info');
    expect(c.defaultCountry).toBe('GB');
    expect(c.slack.apiUrl).toBe('http://127.0.0.1:9/api');
    expect(c.twilio.apiUrl).toBe('http://127.0.0.1:8');
  });

  it('does not touch the record it is given', () => {
    const env = { ...VALID, LOG_LEVEL: '' };
    parseConfig(env);
    expect(env).toEqual({ ...VALID, LOG_LEVEL: '' });
  });

  it('defaults the store, the delivery follow-up and the rate limits as documented', () => {
    const c = parseConfig(VALID);
    expect(c.databaseUrl).toBe('sqlite:./data/resetpw.sqlite');
    expect(c.sms).toEqual({
      validitySeconds: 600,
      statusPollMs: 2000,
      redact: true,
      unknownLookupAfterMs: 120_000,
      numbers: { defaultCountry: 'US', allowedCountries: ['US'], allowlist: [] },
    });
    expect(c.rateLimits).toEqual({
      employee_10m: 1,
      employee_day: 3,
      phone_day: 3,
      admin_hour: 10,
      workspace_day: 100,
    });
    expect(c.auditChannelId).toBeUndefined();
    const custom = parseConfig({
      ...VALID,
      RATE_LIMIT_EMPLOYEE_PER_10_MIN: '0',
      RATE_LIMIT_WORKSPACE_PER_DAY: '500',
      SMS_REDACT: 'false',
      AUDIT_CHANNEL_ID: 'C0AUDIT01',
      DATABASE_URL: 'postgres://resetpw@db/resetpw',
    });
    expect(custom.rateLimits).toMatchObject({ employee_10m: 0, workspace_day: 500 });
    expect(custom).toMatchObject({ sms: { redact: false }, auditChannelId: 'C0AUDIT01' });
  });

  it('names bad store, limit and audit channel variables', () => {
    expect(
      problems({
        ...VALID,
        DATABASE_URL: 'mysql://x',
        RATE_LIMIT_ADMIN_PER_HOUR: '-1',
        RATE_LIMIT_PHONE_PER_DAY: 'lots',
        AUDIT_CHANNEL_ID: '#it-audit',
        SMS_REDACT: 'no',
        SMS_STATUS_POLL_MS: '5',
      }),
    ).toEqual([
      'DATABASE_URL must be sqlite:<path> or postgres://user:password@host/db',
      'SMS_STATUS_POLL_MS must be at least 10',
      'SMS_REDACT must be "true" or "false"',
      'AUDIT_CHANNEL_ID must be a channel ID like C0123ABCD (not the #name)',
      'RATE_LIMIT_PHONE_PER_DAY must be a whole number from 0 to 1000',
      'RATE_LIMIT_ADMIN_PER_HOUR must be a whole number from 0 to 10000',
    ]);
  });

  it('shows in the README exactly the OpenLDAP rules the test server gives the bot', () => {
    const docs = readDocs();
    const fixture = readFileSync(join(import.meta.dirname, '../fixtures/ldap/config.ldif.tmpl'), 'utf8');
    const block = /```ldif\n([\s\S]*?)```/.exec(docs)?.[1] ?? '';
    const shown = block
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    expect(shown.length).toBeGreaterThan(10);
    const lines = new Set(fixture.split('\n').map((l) => l.trim()));
    for (const line of shown) expect(lines.has(line), line).toBe(true);
  });

  it('documents every variable it reads in the README and .env.example', () => {
    const docs = readDocs();
    const example = readFileSync(join(import.meta.dirname, '../../.env.example'), 'utf8');
    for (const name of CONFIG_VARIABLES) {
      expect(docs, `README and docs/directories lack ${name}`).toContain(`\`${name}\``);
      expect(example, `.env.example lacks ${name}`).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
    }
  });

  it('refuses .env.example as shipped, naming each example value still in it', () => {
    const example = parse(readFileSync(join(import.meta.dirname, '../../.env.example'), 'utf8'));
    expect(problems(example)).toEqual(
      [
        'SLACK_BOT_TOKEN',
        'SLACK_APP_TOKEN',
        'SLACK_ADMIN_GROUP_ID',
        'TWILIO_ACCOUNT_SID',
        'TWILIO_AUTH_TOKEN',
        'TWILIO_MESSAGING_SERVICE_SID',
      ].map((name) => `${name} still holds the example value from .env.example: put your own in .env`),
    );
    // Filled in, the same file is accepted: only the example values were wrong.
    const filled = {
      ...example,
      SLACK_BOT_TOKEN: 'xoxb-1-2-real',
      SLACK_APP_TOKEN: 'xapp-1-A1-2-real',
      SLACK_ADMIN_GROUP_ID: 'S0REAL001',
    };
    expect(
      parseConfig({
        ...filled,
        TWILIO_ACCOUNT_SID: SID,
        TWILIO_AUTH_TOKEN: 'real',
        TWILIO_MESSAGING_SERVICE_SID: `MG${'2'.repeat(32)}`,
      }).twilio.sender.kind,
    ).toBe('messagingService');
  });

  it('knows every example value .env.example holds, commented out or not', () => {
    const text = readFileSync(join(import.meta.dirname, '../../.env.example'), 'utf8');
    const shipped = parse(text.replace(/^# ?([A-Z_]+=)/gm, '$1'));
    for (const [name, value] of Object.entries(EXAMPLE_VALUES)) expect(shipped[name], name).toBe(value);
    // Every secret or identifier the file shows is on the list (settings such as PORT are fine as they are).
    const secrets = Object.keys(shipped).filter(
      (n) => shipped[n] !== '' && /TOKEN|SECRET|PASSWORD$|_SID$|_KEY$|GROUP_ID$/.test(n),
    );
    for (const name of secrets) {
      expect(EXAMPLE_VALUES, name).toHaveProperty(name);
    }
  });

  it('defaults to the strong password profile and reads the password variables', () => {
    expect(parseConfig(VALID).password).toMatchObject({ profile: { name: 'strong', length: 15 }, allowWeak: false });
    const long = parseConfig({ ...VALID, PASSWORD_LENGTH: '24' }).password;
    expect(long.profile).toMatchObject({ length: 24 });
    expect(long.entropyBits).toBeGreaterThan(140);
    const dictation = parseConfig({ ...VALID, PASSWORD_PROFILE: 'dictation', PASSWORD_GROUPS: '5' }).password;
    expect(dictation).toMatchObject({ profile: { groups: 5 }, entropyBits: 100 });
  });

  it('refuses a profile under 50 bits unless PASSWORD_ALLOW_WEAK=true', () => {
    const weak = { ...VALID, PASSWORD_PROFILE: 'dictation', PASSWORD_GROUPS: '2' };
    expect(problems(weak)).toEqual([
      'PASSWORD_GROUPS=2 (PASSWORD_PROFILE=dictation) gives 40.0 bits, under the 50-bit floor (set PASSWORD_ALLOW_WEAK=true to accept it)',
    ]);
    expect(parseConfig({ ...weak, PASSWORD_ALLOW_WEAK: 'true' }).password.entropyBits).toBe(40);
  });

  it('names bad or misplaced password variables', () => {
    expect(problems({ ...VALID, PASSWORD_PROFILE: 'pin', PASSWORD_LENGTH: '8', PASSWORD_ALLOW_WEAK: 'yes' })).toEqual([
      'PASSWORD_PROFILE must be one of strong, classic, dictation',
      'PASSWORD_LENGTH must be at least 12',
      'PASSWORD_ALLOW_WEAK must be "true" or "false"',
    ]);
    expect(problems({ ...VALID, PASSWORD_PROFILE: 'classic', PASSWORD_LENGTH: '16' })).toEqual([
      'PASSWORD_LENGTH only applies to PASSWORD_PROFILE=strong (the classic profile has a fixed shape)',
    ]);
    expect(problems({ ...VALID, PASSWORD_PROFILE: 'classic', PASSWORD_GROUPS: '4' })).toEqual([
      'PASSWORD_GROUPS only applies to PASSWORD_PROFILE=dictation',
    ]);
  });
});

describe('which numbers may be texted', () => {
  it('defaults to mobile numbers of DEFAULT_COUNTRY, and reads the countries and the allowlist', () => {
    expect(parseConfig({ ...VALID, DEFAULT_COUNTRY: 'gb' }).sms.numbers).toEqual({
      defaultCountry: 'GB',
      allowedCountries: ['GB'],
      allowlist: [],
    });
    expect(
      parseConfig({ ...VALID, SMS_ALLOWED_COUNTRIES: 'us, ca ,GB', SMS_NUMBER_ALLOWLIST: '+1 500 555, +15005550006' })
        .sms.numbers,
    ).toEqual({ defaultCountry: 'US', allowedCountries: ['US', 'CA', 'GB'], allowlist: ['+1500555', '+15005550006'] });
  });

  it('names bad country lists and allowlists', () => {
    expect(problems({ ...VALID, SMS_ALLOWED_COUNTRIES: 'US,XX' })).toEqual([
      'SMS_ALLOWED_COUNTRIES must be ISO 3166 alpha-2 country codes separated by commas, e.g. US,CA',
    ]);
    expect(problems({ ...VALID, SMS_NUMBER_ALLOWLIST: '1500555' })).toEqual([
      'SMS_NUMBER_ALLOWLIST must be E.164 numbers or prefixes of at least 4 digits separated by commas, e.g. +1500555',
    ]);
  });
});

describe('directory configuration', () => {
  const LDAP = {
    ...VALID,
    DIRECTORY: 'ad',
    LDAP_URL: 'ldaps://dc1.example.com',
    LDAP_BIND_DN: 'CN=resetbot,OU=Services,DC=example,DC=com',
    LDAP_BIND_PASSWORD: 'bind-secret',
    LDAP_BASE_DN: 'OU=People,DC=example,DC=com',
  };

  it('defaults to none, and fills the dialect defaults for ldap and ad', () => {
    expect(parseConfig(VALID).directory).toEqual({ kind: 'none' });
    expect(parseConfig(LDAP).directory).toEqual({
      kind: 'ad',
      ldap: {
        url: 'ldaps://dc1.example.com',
        startTls: false,
        bindDn: 'CN=resetbot,OU=Services,DC=example,DC=com',
        bindPassword: 'bind-secret',
        baseDn: 'OU=People,DC=example,DC=com',
        employeeAttribute: 'employeeID',
        phoneAttribute: 'mobile',
        userFilter: '(&(objectCategory=person)(objectClass=user))',
        timeoutMs: 5000,
        protectedGroups: [],
        insecure: false,
      },
    });
    const ldap = parseConfig({
      ...LDAP,
      DIRECTORY: 'ldap',
      LDAP_URL: 'ldap://ldap.example.com:389',
      LDAP_STARTTLS: 'true',
    });
    expect(ldap.directory).toMatchObject({
      kind: 'ldap',
      ldap: {
        employeeAttribute: 'employeeNumber',
        userFilter: '(objectClass=person)',
        startTls: true,
        insecure: false,
      },
    });
  });

  it('reads protected groups separated by semicolons (DNs have commas)', () => {
    const c = parseConfig({
      ...LDAP,
      LDAP_PROTECTED_GROUPS: 'CN=Domain Admins,CN=Users,DC=example,DC=com; CN=IT Admins,OU=Groups,DC=example,DC=com',
    });
    expect(c.directory.kind === 'ad' && c.directory.ldap.protectedGroups).toEqual([
      'CN=Domain Admins,CN=Users,DC=example,DC=com',
      'CN=IT Admins,OU=Groups,DC=example,DC=com',
    ]);
  });

  it('names every missing connection variable at once', () => {
    expect(problems({ ...VALID, DIRECTORY: 'ldap' })).toEqual([
      'LDAP_URL is required when DIRECTORY=ldap',
      'LDAP_BIND_DN is required when DIRECTORY=ldap',
      'LDAP_BIND_PASSWORD is required when DIRECTORY=ldap',
      'LDAP_BASE_DN is required when DIRECTORY=ldap',
    ]);
  });

  it('refuses plain ldap:// unless StartTLS is on or insecure is allowed explicitly', () => {
    const plain = { ...LDAP, LDAP_URL: 'ldap://dc1.example.com' };
    expect(problems(plain)).toEqual([expect.stringMatching(/^LDAP_URL is plain ldap:\/\/ without LDAP_STARTTLS=true/)]);
    expect(parseConfig({ ...plain, LDAP_STARTTLS: 'true' }).directory).toMatchObject({ ldap: { insecure: false } });
    expect(parseConfig({ ...plain, LDAP_ALLOW_INSECURE: 'true' }).directory).toMatchObject({
      ldap: { insecure: true },
    });
    expect(problems({ ...LDAP, LDAP_STARTTLS: 'true' })).toEqual([
      'LDAP_STARTTLS=true cannot be combined with an ldaps:// LDAP_URL (it is already encrypted)',
    ]);
  });

  it('reads Okta with an API token or a service app, one of the two, on https (or loopback http)', () => {
    const okta = { ...VALID, DIRECTORY: 'okta', OKTA_ORG_URL: 'https://example.okta.com/' };
    expect(parseConfig({ ...okta, OKTA_API_TOKEN: 'tok-secret' }).directory).toEqual({
      kind: 'okta',
      okta: { orgUrl: 'https://example.okta.com', auth: { kind: 'token', token: 'tok-secret' }, timeoutMs: 10_000 },
      cloud: { revokeSessions: true },
    });
    const app = parseConfig({
      ...okta,
      OKTA_CLIENT_ID: '0oa1b2c3',
      OKTA_PRIVATE_KEY_FILE: '/etc/resetpw/okta.pem',
      OKTA_KEY_ID: 'kid-1',
      DIRECTORY_REVOKE_SESSIONS: 'false',
      DIRECTORY_TIMEOUT_MS: '4000',
    }).directory;
    expect(app).toEqual({
      kind: 'okta',
      okta: {
        orgUrl: 'https://example.okta.com',
        auth: { kind: 'privateKey', clientId: '0oa1b2c3', keyFile: '/etc/resetpw/okta.pem', keyId: 'kid-1' },
        timeoutMs: 4000,
      },
      cloud: { revokeSessions: false },
    });
    expect(
      parseConfig({ ...okta, OKTA_ORG_URL: 'http://127.0.0.1:8443', OKTA_API_TOKEN: 't' }).directory,
    ).toMatchObject({
      okta: { orgUrl: 'http://127.0.0.1:8443' },
    });
    expect(problems({ ...okta, OKTA_ORG_URL: 'http://example.okta.com', OKTA_API_TOKEN: 'tok-secret' })).toEqual([
      'OKTA_ORG_URL must be an https:// URL (plain http only on a loopback host; no user, password, query or fragment), e.g. https://example.okta.com',
    ]);
    expect(problems({ ...okta, OKTA_ORG_URL: 'https://bot:hunter2@example.okta.com', OKTA_API_TOKEN: 't' })).toEqual([
      expect.stringMatching(/^OKTA_ORG_URL must be an https:\/\/ URL/),
    ]);
    expect(problems({ ...okta, OKTA_API_TOKEN: 'tok-secret', OKTA_CLIENT_ID: '0oa1' })).toEqual([
      'OKTA_API_TOKEN and OKTA_CLIENT_ID/OKTA_PRIVATE_KEY_FILE: set one way to sign in to Okta, not both',
    ]);
    expect(problems({ ...okta, OKTA_CLIENT_ID: '0oa1' })).toEqual([
      'OKTA_PRIVATE_KEY_FILE is required with OKTA_CLIENT_ID: a service app signs in with its client ID and private key',
    ]);
    expect(problems({ ...VALID, DIRECTORY: 'okta' })).toEqual([
      'OKTA_ORG_URL is required when DIRECTORY=okta',
      'OKTA_API_TOKEN, or OKTA_CLIENT_ID with OKTA_PRIVATE_KEY_FILE, is required when DIRECTORY=okta',
    ]);
    expect(problems({ ...okta, OKTA_API_TOKEN: 'tok-secret', OKTA_ORG_URL: 'ftp://x' }).join('\n')).not.toContain(
      'tok-secret',
    );
  });

  it('reads Entra with a secret or a certificate, one of the two, with the public cloud by default', () => {
    const entra = {
      ...VALID,
      DIRECTORY: 'entra',
      ENTRA_TENANT_ID: '11111111-2222-3333-4444-555555555555',
      ENTRA_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    };
    expect(parseConfig({ ...entra, ENTRA_CLIENT_SECRET: 'entra-secret' }).directory).toEqual({
      kind: 'entra',
      entra: {
        tenantId: '11111111-2222-3333-4444-555555555555',
        clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
        credential: { kind: 'secret', secret: 'entra-secret' },
        authorityHost: 'https://login.microsoftonline.com',
        graphUrl: 'https://graph.microsoft.com',
        timeoutMs: 10_000,
      },
      cloud: { revokeSessions: true },
    });
    expect(
      parseConfig({
        ...entra,
        ENTRA_TENANT_ID: 'example.onmicrosoft.com',
        ENTRA_CLIENT_CERTIFICATE_FILE: '/etc/resetpw/entra.pem',
        ENTRA_GRAPH_URL: 'https://graph.example.test/',
      }).directory,
    ).toMatchObject({
      entra: {
        tenantId: 'example.onmicrosoft.com',
        credential: { kind: 'certificate', file: '/etc/resetpw/entra.pem' },
        graphUrl: 'https://graph.example.test',
      },
    });
    expect(
      problems({ ...entra, ENTRA_CLIENT_SECRET: 'entra-secret', ENTRA_CLIENT_CERTIFICATE_FILE: '/x.pem' }),
    ).toEqual(['ENTRA_CLIENT_SECRET and ENTRA_CLIENT_CERTIFICATE_FILE: set one way for the app to sign in, not both']);
    expect(problems({ ...VALID, DIRECTORY: 'entra' })).toEqual([
      'ENTRA_TENANT_ID is required when DIRECTORY=entra',
      'ENTRA_CLIENT_ID is required when DIRECTORY=entra',
      'ENTRA_CLIENT_SECRET or ENTRA_CLIENT_CERTIFICATE_FILE is required when DIRECTORY=entra',
    ]);
    const bad = problems({
      ...entra,
      ENTRA_CLIENT_SECRET: 'entra-secret',
      ENTRA_GRAPH_URL: 'http://graph.microsoft.com',
      ENTRA_CLIENT_ID: 'app',
    });
    expect(bad.map((p) => p.split(' ')[0])).toEqual(['ENTRA_CLIENT_ID', 'ENTRA_GRAPH_URL']);
    expect(bad.join('\n')).not.toContain('entra-secret');
  });

  it('reads Google with a service account acting as an admin, externalId by default', () => {
    const google = {
      ...VALID,
      DIRECTORY: 'google',
      GOOGLE_SERVICE_ACCOUNT_FILE: '/etc/resetpw/sa.json',
      GOOGLE_ADMIN_SUBJECT: 'admin@example.com',
    };
    expect(parseConfig(google).directory).toEqual({
      kind: 'google',
      google: {
        keyFile: '/etc/resetpw/sa.json',
        subject: 'admin@example.com',
        employeeIdField: 'externalId',
        apiUrl: 'https://admin.googleapis.com',
        tokenUrl: 'https://oauth2.googleapis.com/token',
        timeoutMs: 10_000,
      },
      cloud: { revokeSessions: true },
    });
    expect(parseConfig({ ...google, GOOGLE_EMPLOYEE_ID_FIELD: 'EmployeeInfo.EmployeeNumber' }).directory).toMatchObject(
      {
        google: { employeeIdField: 'EmployeeInfo.EmployeeNumber' },
      },
    );
    expect(problems({ ...VALID, DIRECTORY: 'google' })).toEqual([
      'GOOGLE_SERVICE_ACCOUNT_FILE is required when DIRECTORY=google',
      'GOOGLE_ADMIN_SUBJECT is required when DIRECTORY=google',
    ]);
    expect(problems({ ...google, GOOGLE_SDK_NODE_LOGGING: 'all' })).toEqual([
      expect.stringMatching(/^GOOGLE_SDK_NODE_LOGGING: Google's client would print the bot's access tokens/),
    ]);
    expect(
      problems({
        ...google,
        GOOGLE_EMPLOYEE_ID_FIELD: 'employee id',
        GOOGLE_ADMIN_SUBJECT: 'admin',
        GOOGLE_TOKEN_URL: 'http://oauth2.googleapis.com/token',
      }).map((p) => p.split(' ')[0]),
    ).toEqual(['GOOGLE_ADMIN_SUBJECT', 'GOOGLE_EMPLOYEE_ID_FIELD', 'GOOGLE_TOKEN_URL']);
  });

  it('names bad directory values without echoing them', () => {
    const list = problems({
      ...LDAP,
      DIRECTORY: 'novell',
      LDAP_URL: 'https://dc1',
      LDAP_EMPLOYEE_ATTRIBUTE: 'employee id',
      LDAP_USER_FILTER: 'objectClass=user',
      LDAP_TIMEOUT_MS: '5',
      LDAP_BIND_PASSWORD: 'hunter2-secret',
    });
    expect(list.map((p) => p.split(' ')[0])).toEqual([
      'DIRECTORY',
      'LDAP_URL',
      'LDAP_EMPLOYEE_ATTRIBUTE',
      'LDAP_USER_FILTER',
      'LDAP_TIMEOUT_MS',
    ]);
    expect(list.join('\n')).not.toContain('hunter2-secret');
  });

  it('refuses NODE_DEBUG=ldapts with a directory: it would print every password the bot sets', () => {
    expect(problems({ ...LDAP, NODE_DEBUG: 'http,ldapts' })).toEqual([
      expect.stringMatching(/^NODE_DEBUG includes ldapts/),
    ]);
    expect(parseConfig({ ...VALID, NODE_DEBUG: 'ldapts' }).directory).toEqual({ kind: 'none' });
  });
});
