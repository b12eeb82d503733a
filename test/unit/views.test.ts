import { describe, expect, it } from 'vitest';
import type { NumberRules } from '../../src/domain/phone.js';
import { AppError, ErrorCode } from '../../src/errors.js';
import { buildAuditMessage } from '../../src/views/audit-message.js';
import { describeOutcome, escapeMrkdwn, toEphemeralMessage } from '../../src/views/outcome.js';
import { decodeMetadata, encodeMetadata, parseResetForm, type ViewStateValues } from '../../src/views/reset-form.js';
import {
  ACTION_IDS,
  BLOCK_IDS,
  buildResetModal,
  buildResultView,
  buildSendingView,
  CALLBACK_ID,
  LIMITS,
} from '../../src/views/reset-modal.js';

type Block = {
  type: string;
  block_id?: string;
  optional?: boolean;
  element?: { action_id: string; max_length: number };
};

function values(input: Partial<Record<keyof typeof BLOCK_IDS, string | null>>): ViewStateValues {
  const out: Record<string, Record<string, { value: string | null }>> = {};
  for (const key of Object.keys(BLOCK_IDS) as (keyof typeof BLOCK_IDS)[]) {
    out[BLOCK_IDS[key]] = { [ACTION_IDS[key]]: { value: input[key] ?? null } };
  }
  return out;
}

describe('buildResetModal', () => {
  const view = buildResetModal({ privateMetadata: '{"x":1}', defaultCountry: 'GB' });
  const inputs = (view.blocks as Block[]).filter((b) => b.type === 'input');

  it('uses the shared ids and limits, with only the reason optional', () => {
    expect(view.callback_id).toBe(CALLBACK_ID);
    expect(view.private_metadata).toBe('{"x":1}');
    expect(inputs.map((b) => b.block_id)).toEqual(Object.values(BLOCK_IDS));
    expect(inputs.map((b) => b.element?.action_id)).toEqual(Object.values(ACTION_IDS));
    expect(inputs.map((b) => b.element?.max_length)).toEqual(Object.values(LIMITS));
    expect(inputs.map((b) => b.optional)).toEqual([false, false, false, true]);
    expect(JSON.stringify(view)).toContain('read as a GB number');
  });

  it("respects Slack's 24-character limit on modal titles and buttons", () => {
    for (const v of [view, buildSendingView('A', '+••34'), buildResultView({ emoji: ':x:', title: 't', lines: [] })]) {
      for (const t of [v.title, v.submit, v.close]) if (t) expect(t.text.length).toBeLessThanOrEqual(24);
    }
  });
});

describe('parseResetForm', () => {
  const ok = { name: '  Jane Doe ', code: 'E-1042', phone: '(415) 555-2671', reason: '' };
  const rules = (defaultCountry: 'US' | 'GB'): NumberRules => ({
    defaultCountry,
    allowedCountries: [defaultCountry],
    allowlist: [],
  });
  const US = rules('US');

  it('returns trimmed values and the phone in E.164', () => {
    expect(parseResetForm(values(ok), US)).toEqual({
      ok: true,
      form: { name: 'Jane Doe', code: 'E-1042', phoneE164: '+14155552671' },
    });
    const withReason = parseResetForm(values({ ...ok, reason: 'INC-1' }), US);
    expect(withReason.ok && withReason.form.reason).toBe('INC-1');
  });

  it.each([
    ['name', { name: '' }, /full name/],
    ['name', { name: '12345' }, /letter/],
    ['name', { name: 'x'.repeat(101) }, /under 101/],
    ['code', { code: '' }, /employee code/],
    ['code', { code: 'E 1042' }, /letters, digits and dashes/],
    ['code', { code: 'E'.repeat(33) }, /at most 32/],
    ['phone', { phone: '' }, /mobile number/],
    ['phone', { phone: '555-0100' }, /not a valid phone number/],
    ['reason', { reason: 'r'.repeat(301) }, /under 301/],
  ] as const)('puts a %s error on its own block', (field, patch, message) => {
    const result = parseResetForm(values({ ...ok, ...patch }), US);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors)).toEqual([BLOCK_IDS[field]]);
    expect(result.errors[BLOCK_IDS[field]]).toMatch(message);
  });

  it('reads numbers without + with the default country', () => {
    const gb = parseResetForm(values({ ...ok, phone: '07400 123456' }), rules('GB'));
    expect(gb.ok && gb.form.phoneE164).toBe('+447400123456');
    expect(parseResetForm(values({ ...ok, phone: '07400 123456' }), US).ok).toBe(false);
  });

  it.each([
    ['+1 900 555 0199', /premium-rate number/],
    ['+44 909 879 0000', /number in GB, and the bot only texts numbers in US \(SMS_ALLOWED_COUNTRIES\)/],
    ['+1 800 356 9377', /toll-free number/],
    ['+44 20 7946 0958', /number in GB/],
    ['876 210 1234', /number in JM/],
    ['+1 500 555 0006', /personal \(forwarding\) number/],
  ])('refuses to text %s (issue 8, defect 1: toll fraud), saying which rule', (phone, message) => {
    const result = parseResetForm(values({ ...ok, phone }), US);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.errors[BLOCK_IDS.phone]).toMatch(message);
  });

  it('texts other countries only when allowed, and allowlisted prefixes whatever their type', () => {
    const gb = { defaultCountry: 'US', allowedCountries: ['US', 'GB'], allowlist: [] } as NumberRules;
    expect(parseResetForm(values({ ...ok, phone: '+44 7400 123456' }), gb).ok).toBe(true);
    expect(parseResetForm(values({ ...ok, phone: '+44 20 7946 0958' }), gb).ok).toBe(false); // still a landline
    const magic = { ...US, allowlist: ['+1500555'] };
    expect(parseResetForm(values({ ...ok, phone: '+1 500 555 0006' }), magic).ok).toBe(true);
    expect(parseResetForm(values({ ...ok, phone: '+1 900 555 0199' }), magic).ok).toBe(false);
  });

  it('reports every bad field at once, and survives missing blocks', () => {
    const result = parseResetForm({}, US);
    expect(result.ok ? [] : Object.keys(result.errors).sort()).toEqual(
      [BLOCK_IDS.name, BLOCK_IDS.code, BLOCK_IDS.phone].sort(),
    );
  });
});

describe('private_metadata', () => {
  const meta = { channelId: 'C0HELP', responseUrl: 'https://hooks.slack.com/commands/T1/2/3', teamId: 'T0001' };

  it('round-trips and fits in 3000 characters', () => {
    const encoded = encodeMetadata(meta);
    expect(encoded.length).toBeLessThan(3000);
    expect(decodeMetadata(encoded)).toEqual(meta);
  });

  it.each([undefined, '', 'not json', '{}', JSON.stringify({ ...meta, responseUrl: 'javascript:alert(1)' })])(
    'rejects %j',
    (raw) => {
      expect(decodeMetadata(raw)).toBeUndefined();
    },
  );
});

describe('outcome views', () => {
  const base = { employeeName: 'Jane <!channel> Doe', maskedPhone: '+•••••••2671' };

  it('names the employee (escaped), the masked number, SID and status on success', () => {
    const c = describeOutcome({ ...base, status: 'sent', messageSid: 'SM123', smsStatus: 'queued' }, {});
    const text = toEphemeralMessage(c).text;
    expect(text).toContain('Jane &lt;!channel&gt; Doe');
    expect(text).toContain('+•••••••2671');
    expect(text).toContain('SM123');
    expect(text).toContain('queued');
  });

  it('says what went wrong, what to do and the code on failure', () => {
    const error = new AppError(ErrorCode.SmsOptedOut, 'x', { twilioCode: 21610 });
    const text = toEphemeralMessage(describeOutcome({ ...base, status: 'failed', error }, {})).text;
    expect(text).toContain('opted out');
    expect(text).toContain('What to do:');
    expect(text).toContain('21610');
    expect(text).toContain(ErrorCode.SmsOptedOut);
  });

  it('escapes only what Slack treats as control characters', () => {
    expect(escapeMrkdwn('a & b <c>')).toBe('a &amp; b &lt;c&gt;');
  });
});

describe('the audit channel line', () => {
  it('says in words which limit refused a reset, and what became of the password', () => {
    const { text } = buildAuditMessage({
      adminUserId: 'U1',
      employeeName: 'Jane Doe',
      employeeCode: 'E-1',
      result: 'rate_limited',
      detail: 'RATE_LIMITED:employee_10m',
    });
    expect(text).toContain('limit reached: resets of this employee per 10 minutes');
    expect(text).not.toContain('RATE_LIMITED:');
    const scrambled = buildAuditMessage({
      adminUserId: 'U1',
      result: 'failed',
      detail: 'SMS_OPTED_OUT',
      directory: 'scrambled',
    });
    expect(scrambled.text).toContain('SMS_OPTED_OUT · password scrambled');
  });
});
