import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { classifySlackError } from '../../src/adapters/slack-admin-directory.js';
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
    const config = { data: 'To=%2B1&Body=Your%20temporary%20password%20is%3A%20SECRET' };
    const timeout = classifyTwilioError({ isAxiosError: true, code: 'ECONNABORTED', config });
    expect(timeout.code).toBe(ErrorCode.SmsOutcomeUnknown);
    expect(classifyTwilioError({ isAxiosError: true, code: 'ECONNRESET', config }).code).toBe(
      ErrorCode.SmsOutcomeUnknown,
    );
    const refused = classifyTwilioError({ isAxiosError: true, code: 'ECONNREFUSED', config });
    expect(refused.code).toBe(ErrorCode.SmsUnreachable);
    expect(JSON.stringify([timeout, timeout.details, refused.details, timeout.message])).not.toContain('SECRET');
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
