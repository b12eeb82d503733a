import type { LivePassword, PasswordChangeSeen } from '../ports/index.js';
import { escapeMrkdwn } from './outcome.js';
import { slackDate, spanText } from './slack-date.js';

/**
 * What the admin reads by DM when the employee set a password of their own: "Jane Doe (jdoe) set a new password at
 * 10:42, 6 minutes after the text was delivered."
 */
export function changedText(seen: PasswordChangeSeen, label: string): string {
  const p = seen.password;
  const who = `${escapeMrkdwn(p.employeeName)} (${escapeMrkdwn(p.login)})`;
  const at = seen.changedAt ?? seen.seenAt;
  const when = seen.changedAt ? `at ${slackDate(at)}` : `by ${slackDate(at)}`;
  // The delivery time is when the bot heard of it (a poll), on another clock than the directory's: a change within a
  // minute of it is said to be that, never "0 seconds after".
  const after = seen.deliveredAt
    ? at.getTime() - seen.deliveredAt.getTime() < 60_000
      ? ', within a minute of the text being delivered'
      : `, ${spanText(seen.deliveredAt.getTime(), at.getTime())} after the text was delivered`
    : `, ${spanText(p.setAt.getTime(), at.getTime())} after the reset`;
  return (
    `:white_check_mark: *Password changed:* ${who} set a new password of their own in ${label} ${when}${after}. ` +
    'The temporary password no longer works, so the reset is complete: the ticket can be closed.'
  );
}

/** What the admin reads by DM when a temporary password expired unused. */
export function expiredText(
  p: LivePassword,
  result: 'scrambled' | 'scramble_failed',
  label: string,
  sessionsEnded: boolean,
): string {
  const who = `${escapeMrkdwn(p.employeeName)} (${escapeMrkdwn(p.login)})`;
  if (result === 'scramble_failed') {
    return (
      `:rotating_light: *Temporary password expired, but could not be randomised:* the password you had texted to ${who} ` +
      `was not changed by the employee before it expired, and ${label} refused to replace it. Reset or disable the ` +
      'account by hand now: nobody should be able to use that text any more.'
    );
  }
  return (
    `:hourglass: *Temporary password expired:* ${who} did not set a password of their own in time, so the temporary ` +
    `one was randomised in ${label}${sessionsEnded ? ' and their sign-in sessions were ended' : ''}. ` +
    'If they still need access, run /resetpw again.'
  );
}

/** The expiry could not tell whether the employee changed the password (no marker was read after the set). */
export function cannotTellText(p: LivePassword, label: string): string {
  const who = `${escapeMrkdwn(p.employeeName)} (${escapeMrkdwn(p.login)})`;
  return (
    `:warning: *Temporary password not expired:* the bot could not read from ${label}, right after the reset, what it ` +
    `needs to tell whether ${who} has since chosen a password of their own, so it left the password as it is rather ` +
    `than risk destroying theirs. Check with the employee; if they never used the text, reset the password again.`
  );
}
