import { describe, expect, it } from 'vitest';
import { checkTextable, describeNumberProblem, type NumberRules } from '../../src/domain/phone.js';

const rules: NumberRules = { defaultCountry: 'US', allowedCountries: ['US'], allowlist: [] };

/** A number on record with an extension reaches a switchboard or a desk phone: the password would go there. */
describe('a number with an extension', () => {
  it.each([
    '+1 415 555 2671 ext. 23',
    '+1 415 555 2671 x123',
    'tel:+1-415-555-2671;ext=9',
    '(415) 555-2671 extension 4',
  ])('is refused: %s', (raw) => {
    const check = checkTextable(raw, rules);
    expect(check).toEqual({ ok: false, problem: 'extension', e164: '+14155552671' });
    if (!check.ok) expect(describeNumberProblem(check, rules)).toMatch(/has an extension/);
  });

  it('the same number without one is texted', () => {
    expect(checkTextable('+1 415 555 2671', rules)).toEqual({ ok: true, e164: '+14155552671' });
  });
});
