import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { classifySlackError } from '../../src/adapters/slack-admin-directory.js';
import { TwilioTransportError } from '../../src/adapters/twilio-http-client.js';
import { classifyTwilioError } from '../../src/adapters/twilio-sms.js';
import { AppError, asAppError, ErrorCode } from '../../src/errors.js';
import { toUserMessage } from '../../src/user-messages.js';

function restException(status: number, code?: number) {
  return new twilio.RestException({ statusCode: status, body: { code, message: 'm', status } });
}

describe('classifyTwilioError', () => {
  it.each([
    [401, 20003, ErrorCode.SmsAuthFailed],
    [429, 20429, ErrorCode.SmsRateLimited],
    [400, 21211, ErrorCode.SmsInvalidNumber],
    [400, 21408, ErrorCode.SmsRegionBlocked],
    [400, 21610, ErrorCode.SmsOptedOut],
    [400, 21612, ErrorCode.SmsUnroutable],
    [400, 21614, ErrorCode.SmsNotMobile],
    [400, 21635, ErrorCode.SmsNotMobile],
    [400, 21606, ErrorCode.SmsBadSender],
    [400, 21212, ErrorCode.SmsBadSender],
    [400, 21611, ErrorCode.SmsQueueFull],
    [400, 21999, ErrorCode.SmsRejected],
    [500, 20500, ErrorCode.SmsOutcomeUnknown],
    [503, undefined, ErrorCode.SmsOutcomeUnknown],
    [401, undefined, ErrorCode.SmsAuthFailed],
    [429, undefined, ErrorCode.SmsRateLimited],
  ])('HTTP %i / code %s → %s', (status, code, expected) => {
    const e = classifyTwilioError(restException(status, code));
    expect(e.code).toBe(expected);
    expect(e.details).toEqual({ twilioCode: code, httpStatus: status });
  });

  it('treats a timeout as outcome unknown and a refused connection as not sent, keeping no request data', () => {
    const timeout = classifyTwilioError(new TwilioTransportError('ETIMEDOUT'));
    expect(timeout).toMatchObject({ code: ErrorCode.SmsOutcomeUnknown, details: { transportCode: 'ETIMEDOUT' } });
    expect(toUserMessage(timeout).text).toContain('did not answer in time');
    expect(classifyTwilioError(new TwilioTransportError('ECONNRESET')).code).toBe(ErrorCode.SmsOutcomeUnknown);
    const refused = classifyTwilioError(new TwilioTransportError('ECONNREFUSED'));
    expect(refused).toMatchObject({ code: ErrorCode.SmsUnreachable, details: { transportCode: 'ECONNREFUSED' } });
    // Anything else the SDK might throw (an error wrapping the request, as axios's did) keeps nothing of it.
    const wrapped = classifyTwilioError({ code: 'ECONNABORTED', config: { data: 'Body=SECRET' } });
    expect(wrapped.code).toBe(ErrorCode.SmsOutcomeUnknown);
    expect(JSON.stringify([timeout, timeout.details, refused.details, wrapped, wrapped.details])).not.toContain(
      'SECRET',
    );
  });

  it('keeps only the code of an RFC 9457 problem body', () => {
    const problem = Object.assign(new Error('[HTTP 400] Invalid parameter'), { status: 400, code: 20001, title: 'x' });
    expect(classifyTwilioError(problem)).toMatchObject({ code: ErrorCode.SmsRejected, details: { twilioCode: 20001 } });
  });
});

describe('classifySlackError', () => {
  it.each([
    [{ code: 'slack_webapi_platform_error', data: { error: 'no_such_subteam' } }, 'no_such_subteam'],
    [{ code: 'slack_webapi_platform_error', data: { error: 'plan_upgrade_required' } }, 'plan_upgrade_required'],
    [{ code: 'slack_webapi_rate_limited_error', retryAfter: 30 }, 'rate_limited'],
    [{ code: 'slack_webapi_http_error', statusCode: 503 }, 'http_503'],
    [{ code: 'slack_webapi_request_error' }, 'slack_webapi_request_error'],
  ])('%j fails closed with reason %s', (err, reason) => {
    const e = classifySlackError(err);
    expect(e.code).toBe(ErrorCode.AdminCheckFailed);
    expect(e.details.reason).toBe(reason);
  });
});

describe('toUserMessage', () => {
  it.each(Object.values(ErrorCode))('%s has a title, an explanation and a next step', (code) => {
    const m = toUserMessage(new AppError(code, 'internal detail', { twilioCode: 21999, reason: 'timeout' }), {
      adminGroup: 'S0ADMINS',
    });
    expect(m.title.length).toBeGreaterThan(3);
    expect(m.text.length).toBeGreaterThan(10);
    expect(m.nextStep.length).toBeGreaterThan(5);
    expect(`${m.title}${m.text}${m.nextStep}`).not.toContain('internal detail');
  });

  it('shows the Twilio code for the generic rejection and names the admin group on refusal', () => {
    expect(toUserMessage(new AppError(ErrorCode.SmsRejected, 'x', { twilioCode: 21999 })).text).toContain('21999');
    expect(toUserMessage(new AppError(ErrorCode.NotAdmin, 'x'), { adminGroup: 'S0ADMINS' }).text).toContain('S0ADMINS');
  });

  it('turns unknown throwables into INTERNAL without their message', () => {
    const e = asAppError(new TypeError('token xoxb-secret leaked'));
    expect(e.code).toBe(ErrorCode.Internal);
    expect(JSON.stringify({ m: e.message, d: e.details })).not.toContain('xoxb');
  });
});

describe('rate limit wording', () => {
  it('names the limit and when it frees up, in the reader’s time zone with a UTC fallback', () => {
    const m = toUserMessage(
      new AppError(ErrorCode.RateLimited, 'x', { limit: 'employee_10m', max: 1, retryAt: 1795608000 }),
    );
    expect(m.text).toBe('The limit of 1 reset of this employee per 10 minutes has been reached, so nothing was sent.');
    expect(m.nextStep).toContain('<!date^1795608000^{date_short_pretty} at {time}|2026-11-25 12:00 UTC>');
    expect(m.nextStep).toContain('npx resetpw audit');
    const admin = toUserMessage(new AppError(ErrorCode.RateLimited, 'x', { limit: 'admin_hour', max: 10, retryAt: 1 }));
    expect(admin.nextStep).toContain('RATE_LIMIT_*');
    expect(admin.text).toContain('10 resets by one admin per hour');
  });
});

describe('the README', () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

  it('names every code an admin can be shown', () => {
    const shown = Object.values(ErrorCode).filter((c) => c !== ErrorCode.SmsFollowUpFailed);
    for (const code of shown) expect(readme, `README lacks ${code}`).toContain(`\`${code}\``);
  });

  it('quotes, in its refusal table, the words each refusal really shows', () => {
    const ad = { directory: { kind: 'ad' as const, label: 'Active Directory' } };
    const cases: [ErrorCode, Record<string, string>, string][] = [
      [
        ErrorCode.AccountProtected,
        { protection: 'privileged_account', what: 'Administrator' },
        'This is the built-in Administrator account of Active Directory, and the bot never resets those.',
      ],
      [
        ErrorCode.AccountProtected,
        { protection: 'privileged_group', what: 'Domain Admins' },
        'The account is a member of Domain Admins in Active Directory (directly, through nested groups or as its primary group), and the bot never resets those.',
      ],
      [
        ErrorCode.AccountProtected,
        { protection: 'admin_count' },
        'The account is marked privileged in Active Directory (adminCount=1:',
      ],
      [
        ErrorCode.AccountProtected,
        { protection: 'protected_group', what: 'cn=x' },
        'listed in LDAP_PROTECTED_GROUPS, directly or through nested groups, and the bot never resets those.',
      ],
      [ErrorCode.ServiceAccount, {}, "Change a service account's password where the service is configured"],
      [ErrorCode.AccountDisabled, {}, 'a password reset would not enable it'],
      [
        ErrorCode.AccountCannotLogIn,
        { why: 'account_expired' },
        'The account has expired in Active Directory ("Account expires" is in the past). A new password would not let the employee in',
      ],
      [
        ErrorCode.AccountCannotLogIn,
        { why: 'validity_ended' },
        'The account is no longer valid: its password policy end time (pwdEndTime) has passed.',
      ],
      [
        ErrorCode.AccountCannotLogIn,
        { why: 'not_yet_valid' },
        'is not valid yet: its password policy start time (pwdStartTime)',
      ],
      [ErrorCode.PasswordNeverExpires, {}, 'so a forced change at next login would silently not apply.'],
      [ErrorCode.SmartcardRequired, {}, 'a password set on it cannot be forced to change at next login'],
      [
        ErrorCode.AccountUnreadable,
        { missing: 'userAccountControl' },
        "The bot's directory account may not read userAccountControl of this account, so it cannot tell whether it is disabled or privileged.",
      ],
      [ErrorCode.MobileAmbiguous, { count: '2' }, "and the bot will not guess which one is the employee's phone."],
      [
        ErrorCode.EmployeeChanged,
        { changed: 'number' },
        'changed after you confirmed it, so nothing was changed and nothing was sent.',
      ],
      [
        ErrorCode.EmployeeChanged,
        { changed: 'entry' },
        'after it was looked up (moved, renamed or replaced), so nothing was done.',
      ],
    ];
    for (const [code, details, quoted] of cases) {
      const m = toUserMessage(new AppError(code, 'x', details), ad);
      expect(`${m.title} ${m.text} ${m.nextStep}`, `${code} ${JSON.stringify(details)}`).toContain(quoted);
      expect(readme, `README's refusal table lacks the words of ${code} ${JSON.stringify(details)}`).toContain(quoted);
    }
  });
});
