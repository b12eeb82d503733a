import { describe, expect, it } from 'vitest';
import { maskPhone, toE164 } from '../../src/domain/phone.js';

describe('toE164', () => {
  it('normalises international and national formats', () => {
    expect(toE164('+1 (415) 555-2671', 'US')).toBe('+14155552671');
    expect(toE164('415-555-2671', 'US')).toBe('+14155552671');
    expect(toE164('07911 123456', 'GB')).toBe('+447911123456');
    expect(toE164('+49 151 12345678', 'US')).toBe('+4915112345678');
  });

  it('rejects what is not a valid number', () => {
    expect(toE164('415-555-2671', 'GB')).toBeUndefined();
    expect(toE164('+15558675310', 'US')).toBeUndefined(); // 555-01xx fiction numbers look right but are invalid
    expect(toE164('call me', 'US')).toBeUndefined();
    expect(toE164('', 'US')).toBeUndefined();
  });
});

describe('maskPhone', () => {
  it('shows only the last four digits of a full number', () => {
    expect(maskPhone('+14155552671')).toBe('+•••••••2671');
    const masked = maskPhone('+4915112345678');
    expect(masked.replace(/\D/g, '')).toBe('5678');
  });

  it('shows only two digits of a short number', () => {
    expect(maskPhone('+3541234567').replace(/\D/g, '')).toHaveLength(4);
    expect(maskPhone('+2471234')).toBe('+•••••34');
  });
});
