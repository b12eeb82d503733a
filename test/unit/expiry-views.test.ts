import { describe, expect, it } from 'vitest';
import type { LivePassword } from '../../src/ports/index.js';
import { changedText } from '../../src/views/expiry.js';

const password: LivePassword = {
  auditId: 'a1',
  dueAt: new Date('2026-11-30T11:00:00Z'),
  setAt: new Date('2026-11-30T10:30:00Z'),
  endsAt: new Date('2026-12-01T10:30:00Z'),
  expires: true,
  directoryKind: 'okta',
  accountId: '00u1',
  login: 'jdoe@example.com',
  marker: 'm',
  adminUserId: 'U0ADMIN01',
  employeeName: 'Jane <!channel> Doe\nSECOND LINE',
};

describe('the admin’s "Password changed" DM', () => {
  it('says when, by the directory’s clock, and how long after the delivery', () => {
    const text = changedText(
      {
        password,
        changedAt: new Date('2026-11-30T10:42:00Z'),
        seenAt: new Date('2026-11-30T10:45:00Z'),
        deliveredAt: new Date('2026-11-30T10:36:00Z'),
      },
      'Okta',
    );
    expect(text).toContain(`at <!date^${Date.parse('2026-11-30T10:42:00Z') / 1000}^`);
    expect(text).toContain('6 minutes after the text was delivered');
    expect(text).toContain('the ticket can be closed');
  });

  it('never says "0 seconds after": a change within a minute of the delivery report is said to be that', () => {
    const text = changedText(
      {
        password,
        changedAt: new Date('2026-11-30T10:35:50Z'),
        seenAt: new Date('2026-11-30T10:37:00Z'),
        deliveredAt: new Date('2026-11-30T10:36:00Z'),
      },
      'Okta',
    );
    expect(text).toContain('within a minute of the text being delivered');
  });

  it('says when the bot saw it where the directory keeps no time (Google), and counts from the reset', () => {
    const text = changedText({ password, seenAt: new Date('2026-11-30T12:30:00Z') }, 'Google Workspace');
    expect(text).toContain(`by <!date^${Date.parse('2026-11-30T12:30:00Z') / 1000}^`);
    expect(text).toContain('2 hours after the reset');
  });

  it('keeps a name from forging mentions or lines', () => {
    const text = changedText({ password, seenAt: new Date('2026-11-30T12:30:00Z') }, 'Okta');
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toContain('\nSECOND LINE');
    expect(text).toContain('\\u{a}SECOND LINE');
  });
});
