import { describeAdBindReason } from './domain/ad-bind-reasons.js';
import { type AppError, ErrorCode } from './errors.js';
import type { DirectoryKind } from './ports/index.js';

/**
 * The words for the company directory's error codes; `toUserMessage` (src/user-messages.ts) is still the one entry
 * point and hands these codes here.
 */
export interface DirectoryMessageContext {
  /** DIRECTORY's kind and how admins know it ("Active Directory"). */
  readonly directory?: { readonly kind: DirectoryKind; readonly label: string };
  /** The active password settings, for advice on a directory policy that refused the temporary password. */
  readonly password?: { readonly profile: string; readonly length: number };
}

export function directoryMessage(
  err: AppError,
  ctx: DirectoryMessageContext,
): { title: string; text: string; nextStep: string } | undefined {
  const d = err.details;
  const dir = ctx.directory?.label ?? 'the directory';
  const ad = ctx.directory?.kind === 'ad';
  const okta = ctx.directory?.kind === 'okta';
  const entra = ctx.directory?.kind === 'entra';
  const google = ctx.directory?.kind === 'google';
  const cloudKind = okta || entra || google ? (ctx.directory?.kind as keyof typeof CLOUD_RIGHTS) : undefined;
  const cloud = cloudKind !== undefined;
  const providerCode = typeof d.providerCode === 'string' ? ` (${d.providerCode})` : '';
  if (d.operation === 'factor_push') return factorPushMessage(err, dir, providerCode);
  switch (err.code) {
    case ErrorCode.EmployeeNotFound:
      return {
        title: 'No such employee',
        text: `No account in ${dir} has this employee code.`,
        nextStep: 'Check the code (it must match the directory exactly) and try again.',
      };
    case ErrorCode.EmployeeAmbiguous:
      return {
        title: 'More than one account has this code',
        text: `${String(d.count ?? 'Several')} accounts in ${dir} share this employee code, so the bot cannot tell which one to reset.`,
        nextStep: 'Fix the duplicate code in the directory, or reset the right account there by hand.',
      };
    case ErrorCode.NoMobileOnRecord:
      if (d.problem === 'not_mobile' || d.problem === 'country' || d.problem === 'extension') {
        return {
          title: 'The number on record may not be texted',
          text: `The mobile number in ${dir} for this account may not be texted. ${String(d.why ?? '')}`.trim(),
          nextStep:
            'Check the number with the employee in person and correct the directory; if texts to that country are needed, ask the bot owner about SMS_ALLOWED_COUNTRIES.',
        };
      }
      return d.problem === 'invalid'
        ? {
            title: 'No usable mobile number on record',
            text: `The mobile number in ${dir} for this account is not a valid phone number.`,
            nextStep: 'Correct it in the directory (after checking it with the employee in person), then try again.',
          }
        : {
            title: 'No mobile number on record',
            text: `This account has no mobile number in ${dir}, and the bot only ever texts the number on record.`,
            nextStep:
              "Add the employee's mobile number to the directory (after checking it with them in person), then try again.",
          };
    case ErrorCode.MobileAmbiguous:
      return {
        title: 'More than one mobile number on record',
        text: `This account has ${String(d.count ?? 'several')} different ${d.allNumbers === false ? 'values in its mobile number' : 'mobile numbers'} in ${dir}, and the bot will not guess which one is the employee's phone.`,
        nextStep:
          "Leave only the employee's own mobile number on the account (check it with them in person), then try again.",
      };
    case ErrorCode.AccountDisabled:
      return {
        title: 'Account disabled',
        text: `The account is disabled in ${dir}; a password reset would not enable it, so the bot does not reset it.`,
        nextStep: 'If the employee should have access again, enable the account in the directory first.',
      };
    case ErrorCode.AccountCannotLogIn:
      return {
        title: 'The account cannot log in',
        text: `${cannotLogInReason(d.why)} A new password would not let the employee in, so the bot does not reset it.`,
        nextStep:
          'If the employee should have access, fix that in the directory first (ask whoever manages accounts), then try again.',
      };
    case ErrorCode.AccountProtected:
      return {
        title: 'Privileged account: not reset by the bot',
        text: `${protectionReason(d, dir)}, and the bot never resets those.`,
        nextStep: 'Reset privileged accounts by hand, following your procedure for administrators.',
      };
    case ErrorCode.ServiceAccount:
      return {
        title: 'Service account: not reset by the bot',
        text: `The account has a service principal name in ${dir}: its password belongs to a service. A reset would break that service and text its password to a phone.`,
        nextStep:
          "Change a service account's password where the service is configured (or move it to a managed service account).",
      };
    case ErrorCode.PasswordManagedElsewhere:
      return {
        title: 'Password kept elsewhere',
        text: `This account's password is not kept in ${dir} but in ${String(d.managedBy ?? 'another system')}, which ${dir} defers to: a password set here would not be the one the employee signs in with.`,
        nextStep: `Reset the password where it is kept: ${String(d.managedBy ?? 'that system')}. If that is Active Directory or OpenLDAP, a resetpw set up with DIRECTORY=ad or ldap can do it.`,
      };
    case ErrorCode.PasswordNeverExpires:
      return {
        title: 'Password set never to expire',
        text: 'The account is flagged "password never expires", so a forced change at next login would silently not apply.',
        nextStep: 'Clear "Password never expires" on the account in Active Directory (Account tab), then try again.',
      };
    case ErrorCode.SmartcardRequired:
      return {
        title: 'Smart card required for logon',
        text: 'The account is flagged "smart card is required for interactive logon": a password set on it cannot be forced to change at next login, and the employee logs in with the card anyway.',
        nextStep:
          'If the employee lost the card, follow your smart-card procedure; if the flag is wrong, clear it in Active Directory (Account tab), then try again.',
      };
    case ErrorCode.AccountUnreadable:
      return {
        title: "The bot cannot see this account's state",
        text: `The bot's directory account may not read ${listed(String(d.missing ?? 'some attributes'))} of this account, so it cannot tell whether it is disabled or privileged. Nothing was changed or sent.`,
        nextStep: cloud
          ? `Tell the bot owner: the bot's ${dir} credentials may not read this account's state (\`npx resetpw doctor --employee CODE\` shows it).`
          : ad
            ? 'Tell the bot owner: LDAP_BIND_DN needs read access to those attributes on the employees (Authenticated Users can read them by default: look for a deny entry on the account or its OU; `npx resetpw doctor --employee CODE` shows it).'
            : "Tell the bot owner: LDAP_BIND_DN needs read access to ppolicy's pwdAccountLockedTime, pwdStartTime and pwdEndTime on the employees (see the README's ACL; `npx resetpw doctor --employee CODE` shows it).",
      };
    case ErrorCode.EmployeeChanged:
      if (d.changed === 'number_not_kept') {
        return {
          title: 'Confirm the number again',
          text: 'This confirmation was opened before the bot kept the number it showed (an upgrade), so it cannot check that the number is still the one you saw. Nothing was changed or sent.',
          nextStep: 'Run /resetpw again and check the number shown.',
        };
      }
      return d.changed === 'number'
        ? {
            title: 'The number on record changed',
            text: `The mobile number in ${dir} changed after you confirmed it, so nothing was changed and nothing was sent.`,
            nextStep: 'Run /resetpw again, check the number shown, and confirm the change with the employee in person.',
          }
        : {
            title: 'The account changed',
            text: `The account changed in ${dir} after it was looked up (moved, renamed or replaced), so nothing was done.`,
            nextStep: 'Run /resetpw again and check the details shown.',
          };
    case ErrorCode.DirectoryUnavailable:
      return {
        title: 'Directory unavailable: nothing changed',
        text: `The bot could not ${unavailableReason(d, dir)}, so nothing was changed and nothing was sent.`,
        nextStep:
          d.reason === 'bind_rejected'
            ? google
              ? 'Tell the bot owner: Google refused the service account (GOOGLE_SERVICE_ACCOUNT_FILE): its key was deleted, domain-wide delegation was withdrawn, or GOOGLE_ADMIN_SUBJECT was deleted or suspended.'
              : entra
                ? "Tell the bot owner: Entra refused the bot's app (ENTRA_CLIENT_ID): its secret or certificate expired or was removed, or the app was deleted."
                : okta
                  ? "Tell the bot owner: Okta refused the bot's credentials (OKTA_API_TOKEN revoked or expired, its administrator deactivated, or the service app's OKTA_CLIENT_ID and key no longer accepted)."
                  : "Tell the bot owner: the bot's directory account (LDAP_BIND_DN) cannot log in."
            : d.reason === 'rate_limited'
              ? `Try again in a minute. If it keeps happening, tell the bot owner (${dir}'s rate limits for the bot).`
              : d.reason === 'protected_group_unreadable'
                ? `Tell the bot owner: fix LDAP_PROTECTED_GROUPS (${String(d.group ?? 'a group')} was deleted, renamed or hidden from LDAP_BIND_DN). Until then no one can be reset.`
                : `Try again in a few minutes. If it keeps failing, tell the bot owner (${okta ? 'OKTA_ORG_URL' : entra ? 'ENTRA_GRAPH_URL' : google ? 'GOOGLE_API_URL' : 'LDAP_URL'}, network, certificates).`,
      };
    case ErrorCode.DirectoryPolicyRejected:
      return {
        title: 'The directory refused the temporary password',
        text: `The password policy of ${dir} refused the temporary password${d.adCode ? ` (${String(d.adCode)})` : providerCode}: ${typeof d.causes === 'string' ? d.causes.replace(/\.\s*$/, '') : 'too short or not complex enough'}. The employee's password is unchanged and nothing was sent.`,
        nextStep: `Tell the bot owner: ${policyAdvice(ctx.password)} so that the temporary password meets the directory's policy.`,
      };
    case ErrorCode.DirectoryAccessDenied:
      if (cloudKind) {
        const rights = CLOUD_RIGHTS[cloudKind];
        return {
          title: "The bot's directory account lacks a right",
          text: `${dir} refused the reset${providerCode}: ${rights.who} may not reset this user's password. ${d.passwordChanged ? passwordChangedLine(d) : 'Nothing was changed or sent.'}`,
          nextStep: `Tell the bot owner: ${rights.grant}; see the README.`,
        };
      }
      return {
        title: "The bot's directory account lacks a right",
        text: `${dir} refused the reset: the bot's account (LDAP_BIND_DN) may not write this password${d.adCode ? ` (${String(d.adCode)})` : ''}. Nothing was changed or sent.`,
        nextStep: ad
          ? 'Tell the bot owner: on the users\' OU, delegate to LDAP_BIND_DN "Reset password", "Write pwdLastSet" and "Write lockoutTime" (see the README).'
          : 'Tell the bot owner: LDAP_BIND_DN needs write on userPassword and manage on pwdReset and pwdAccountLockedTime (see the README).',
      };
    case ErrorCode.DirectoryWriteFailed:
      return d.reason === 'encryption_required'
        ? {
            title: 'The directory refused an unencrypted password write',
            text: 'Active Directory only accepts a password over an encrypted connection. Nothing was changed or sent.',
            nextStep: 'Tell the bot owner: use an ldaps:// LDAP_URL or LDAP_STARTTLS=true.',
          }
        : d.reason === 'rate_limited'
          ? {
              title: 'The directory is busy',
              text: `${dir} turned the request away: its rate limit for the bot was reached${providerCode}. ${d.passwordChanged ? passwordChangedLine(d) : 'Nothing was changed or sent.'}`,
              nextStep: 'Try again in a minute.',
            }
          : {
              title: 'The directory refused the reset',
              text: `${dir} refused to set the password (${d.ldapCode !== undefined ? `LDAP result ${String(d.ldapCode)}` : String(d.providerCode ?? d.httpStatus ?? '?')}). ${d.passwordChanged ? passwordChangedLine(d) : 'Nothing was sent.'}`,
              nextStep: 'Try again; if it repeats, give the bot owner this code and the time.',
            };
    case ErrorCode.DirectoryOutcomeUnknown:
      return {
        title: 'Directory write interrupted',
        text: `The connection to ${dir} was lost before it answered the password write. Nothing was sent.`,
        nextStep: 'Run /resetpw again in a minute.',
      };
    case ErrorCode.InvalidEmail:
      return {
        title: 'Not an email address',
        text: `The bot looks employees up in ${dir} by email only with a real address, and this one is not (${INVALID_EMAIL_WHY[String(d.reason)] ?? 'it cannot be an address'}), so ${dir} was not asked.`,
        nextStep: "Check the employee's email address (in Slack or in the directory) and try again.",
      };
    default:
      return undefined;
  }
}

/** Why lookupEmail (src/domain/email.ts) refused an address, in words. */
const INVALID_EMAIL_WHY: Readonly<Record<string, string>> = {
  no_at: 'it has no @ with a name before it and a domain after it',
  too_long: 'it is longer than the 254 characters an address can have',
  hidden_character: 'it holds an invisible or control character',
};

/** Who acts for the bot in each cloud directory, and what it must be granted to reset passwords. */
const CLOUD_RIGHTS = {
  okta: {
    who: "the bot's Okta credentials (the administrator who created OKTA_API_TOKEN, or the service app's admin role)",
    grant:
      "the token's administrator (or the service app) needs a role over these users that can reset passwords (Help Desk Administrator for a group of them, or a custom role with okta.users.credentials.manage)",
  },
  entra: {
    who: "the bot's app (ENTRA_CLIENT_ID)",
    grant:
      'the app needs the application permission User-PasswordProfile.ReadWrite.All (admin consent) and the User Administrator role (for the whole tenant, or for an administrative unit that holds these users)',
  },
  google: {
    who: 'the admin the bot acts as (GOOGLE_ADMIN_SUBJECT)',
    grant:
      "GOOGLE_ADMIN_SUBJECT needs an admin role that may reset these users' passwords (User Management Admin, or a custom role with Users → Reset password and Update), and domain-wide delegation must allow the bot's scopes",
  },
} as const;

/** What each step of the push to the employee's enrolled factor (Okta Verify) was doing, for the words. */
const FACTOR_STEP: Readonly<Record<string, string>> = {
  list: "list the employee's enrolled factors",
  push: "send a push to the employee's Okta Verify",
  poll: 'read the answer to the push',
};

/**
 * The push to the employee's own factor failed: the employee is not verified and nothing of the account changed. The
 * admin can verify them another way; a missing right is the bot owner's to grant.
 */
function factorPushMessage(
  err: AppError,
  dir: string,
  providerCode: string,
): { title: string; text: string; nextStep: string } | undefined {
  const d = err.details;
  const doing = FACTOR_STEP[String(d.step)] ?? 'verify the employee with Okta Verify';
  const notVerified = 'The employee is not verified and the password was not changed.';
  const otherWay = 'Verify the employee another way (a code read back, or their approval in Slack)';
  switch (err.code) {
    case ErrorCode.DirectoryAccessDenied:
      return {
        title: 'The bot may not use Okta Verify for this employee',
        text: `${dir} would not let the bot ${doing}${providerCode}: ${CLOUD_RIGHTS.okta.who} may not verify this user's factors. ${notVerified}`,
        nextStep: `${otherWay}, and tell the bot owner: the token's administrator (or the service app, whose scopes okta.users.read and okta.users.manage cover the push) needs a role over these users that covers their factors; see docs/directories/okta.md.`,
      };
    case ErrorCode.EmployeeChanged:
      return {
        title: "The employee's Okta Verify changed",
        text: `${dir} no longer has this user or their Okta Verify enrollment (deleted, or reset since the lookup). ${notVerified}`,
        nextStep: 'Run /resetpw again, or verify the employee another way.',
      };
    case ErrorCode.DirectoryUnavailable: {
      const why =
        d.reason === 'rate_limited'
          ? `${dir}'s rate limit for the bot was reached`
          : d.reason === 'bind_rejected'
            ? `${dir} refused the bot's credentials`
            : d.reason === 'refused'
              ? `${dir} refused${providerCode}`
              : d.reason === 'unexpected_answer'
                ? `${dir} answered with something the bot does not know${typeof d.factorResult === 'string' ? ` (${d.factorResult})` : ''}`
                : d.reason === 'timeout'
                  ? `${dir} did not answer in time`
                  : `the bot could not reach ${dir}`;
      // A push whose answer was lost may still reach the phone: the employee should know that approving it now does
      // nothing.
      const stray =
        d.step === 'push' && d.reason === 'timeout'
          ? " A push may still reach the employee's phone: approving it now changes nothing."
          : '';
      return {
        title: 'Okta Verify push failed',
        text: `The bot could not ${doing}: ${why}. ${notVerified}${stray}`,
        nextStep:
          d.reason === 'bind_rejected'
            ? "Tell the bot owner: Okta refused the bot's credentials (OKTA_API_TOKEN revoked or expired, or the service app's OKTA_CLIENT_ID and key no longer accepted)."
            : `Try again in a minute, or ${otherWay.charAt(0).toLowerCase()}${otherWay.slice(1)}.`,
      };
    }
    default:
      return undefined;
  }
}

/** A write in two steps stopped after the password was set (what became of it is said by the compensation line). */
function passwordChangedLine(d: AppError['details']): string {
  return `It set the password but refused the next step (${String(d.step ?? 'the forced change')}), so nothing was sent.`;
}

/** `a,b,c` → `a, b and c`. */
function listed(csv: string): string {
  const items = csv.split(',');
  return items.length < 2 ? csv : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function protectionReason(d: AppError['details'], dir: string): string {
  const what = typeof d.what === 'string' ? d.what : undefined;
  switch (d.protection) {
    case 'admin_role':
      return what === 'roles_unreadable'
        ? `The bot may not read this account's administrator roles in ${dir}, so it cannot rule out an administrator and counts it as one`
        : `The account holds an administrator role in ${dir} (${what ?? 'an admin role'}, assigned to it or through a group)`;
    case 'privileged_account':
      return `This is the built-in ${what ?? 'administrator'} account of ${dir}`;
    case 'privileged_group':
      return `The account is a member of ${what ?? 'a built-in privileged group'} in ${dir} (directly, through nested groups or as its primary group)`;
    case 'admin_count':
      return `The account is marked privileged in ${dir} (adminCount=1: Windows sets it on accounts that are or were in a protected administrators group)`;
    case 'membership_unverifiable':
      return `The bot cannot rule out that the account is in a group listed in LDAP_PROTECTED_GROUPS (${what ?? 'its groups could not all be followed'}), so it counts it as protected`;
    default:
      return `The account is in a protected group${what ? ` (${what})` : ''} listed in LDAP_PROTECTED_GROUPS, directly or through nested groups`;
  }
}

function cannotLogInReason(why: unknown): string {
  switch (why) {
    case 'account_expired':
      return 'The account has expired in Active Directory ("Account expires" is in the past).';
    case 'not_yet_valid':
      return 'The account is not valid yet: its password policy start time (pwdStartTime) is in the future.';
    case 'not_activated':
      return 'The account was created but never activated, so it has no sign-in yet.';
    default:
      return 'The account is no longer valid: its password policy end time (pwdEndTime) has passed.';
  }
}

function unavailableReason(d: AppError['details'], dir: string): string {
  if (d.reason === 'rate_limited') return `get an answer from ${dir}: its rate limit for the bot was reached`;
  if (d.reason === 'bind_rejected' && !d.adData && d.providerCode) {
    return `sign in to ${dir}: it refused the bot's credentials (${String(d.providerCode)})`;
  }
  if (d.reason === 'bind_rejected') {
    const why = describeAdBindReason(typeof d.adData === 'string' ? d.adData : undefined);
    return `log in to ${dir}: it refused the bot's own account${why ? ` (${why})` : ''}`;
  }
  if (d.reason === 'protected_group_unreadable') {
    return `read a group listed in LDAP_PROTECTED_GROUPS in ${dir}, and without it no account can be vouched for`;
  }
  if (d.reason === 'timeout' || d.transport === 'timeout') return `get an answer from ${dir} in time`;
  return `reach ${dir}`;
}

function policyAdvice(password: DirectoryMessageContext['password']): string {
  if (!password) return 'raise PASSWORD_LENGTH or use PASSWORD_PROFILE=strong';
  if (password.profile === 'strong') return `raise PASSWORD_LENGTH (now ${password.length})`;
  return `use PASSWORD_PROFILE=strong (now ${password.profile}) with a PASSWORD_LENGTH of at least the directory's minimum`;
}
