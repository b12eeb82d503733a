import { AppError, ErrorCode } from '../errors.js';
import type { AuditResult, DirectoryAccount, DirectoryLookup } from '../ports/index.js';
import { checkTextable, describeNumberProblem, type NumberRules, type TextableCheck } from './phone.js';

/** Whom a reset is for: typed by the admin (DIRECTORY=none) or read from the directory. */
export interface Employee {
  readonly name: string;
  readonly code: string;
  readonly phoneE164: string;
}

/** An employee found in the directory and fit to be reset. */
export interface DirectoryEmployee extends Employee {
  readonly account: DirectoryAccount;
}

export type Eligibility =
  | { readonly ok: true; readonly employee: DirectoryEmployee }
  | { readonly ok: false; readonly error: AppError; readonly account?: DirectoryAccount };

/**
 * Whether a lookup names exactly one account the bot may reset, and the number it would text. Only the number on
 * record is ever used: a helpdesk caller who says "I have a new phone, send it there" is the classic takeover.
 */
export function checkEligible(lookup: DirectoryLookup, code: string, numbers: NumberRules): Eligibility {
  if (lookup.found === 'none') {
    return { ok: false, error: new AppError(ErrorCode.EmployeeNotFound, 'No account has this employee code') };
  }
  if (lookup.found === 'many') {
    const error = new AppError(ErrorCode.EmployeeAmbiguous, 'Several accounts share this employee code', {
      count: lookup.count,
    });
    return { ok: false, error };
  }
  const { account } = lookup;
  const refuse = (code: ErrorCode, message: string, details: AppError['details'] = {}) => ({
    ok: false as const,
    error: new AppError(code, message, details),
    account,
  });
  // Unreadable first: with the account's state hidden, "not disabled" or "not privileged" means nothing.
  if (account.unreadable?.length) {
    return refuse(ErrorCode.AccountUnreadable, 'Attributes every account has could not be read', {
      missing: account.unreadable.join(','),
    });
  }
  const { protection } = account;
  if (protection?.reason === 'service_account') {
    return refuse(ErrorCode.ServiceAccount, 'The account is a service account');
  }
  if (protection) {
    return refuse(ErrorCode.AccountProtected, 'The account is privileged or protected', {
      protection: protection.reason,
      ...(protection.what ? { what: protection.what } : {}),
    });
  }
  if (account.disabled) return refuse(ErrorCode.AccountDisabled, 'The account is disabled');
  if (account.passwordManagedBy) {
    return refuse(ErrorCode.PasswordManagedElsewhere, 'The password is mastered by another system', {
      managedBy: account.passwordManagedBy,
    });
  }
  if (account.loginBlocked) {
    return refuse(ErrorCode.AccountCannotLogIn, 'The account cannot log in whatever its password', {
      why: account.loginBlocked,
    });
  }
  if (account.forcedChangeBlocked === 'password_never_expires') {
    return refuse(ErrorCode.PasswordNeverExpires, 'The account is flagged "password never expires"');
  }
  if (account.forcedChangeBlocked === 'smartcard_required') {
    return refuse(ErrorCode.SmartcardRequired, 'The account requires a smart card for interactive logon');
  }
  const number = numberOnRecord(account.mobiles, numbers);
  if (number instanceof AppError) return { ok: false, error: number, account };
  return { ok: true, employee: { name: account.displayName, code, phoneE164: number, account } };
}

/**
 * The one number to text (E.164), or why there is none. Several values that are the same number (spelled
 * differently) are one number; several different numbers are ambiguous: texting whichever the server happened to
 * list first is a guess.
 */
function numberOnRecord(mobiles: readonly string[], numbers: NumberRules): string | AppError {
  const raw = [...new Set(mobiles.map((m) => m.trim()).filter(Boolean))];
  if (raw.length === 0) {
    return new AppError(ErrorCode.NoMobileOnRecord, 'No mobile number on record', { problem: 'missing' });
  }
  const checks = raw.map((m) => checkTextable(m, numbers));
  const distinct = new Set(checks.map((c, i) => ('e164' in c ? c.e164 : `raw:${raw[i]}`)));
  if (distinct.size > 1) {
    return new AppError(ErrorCode.MobileAmbiguous, 'Several different numbers on record', {
      count: distinct.size,
      allNumbers: checks.every((c) => 'e164' in c),
    });
  }
  const [textable] = checks as [TextableCheck];
  if (!textable.ok) {
    return new AppError(ErrorCode.NoMobileOnRecord, 'The number on record may not be texted', {
      problem: textable.problem,
      why: describeNumberProblem(textable, numbers),
    });
  }
  return textable.e164;
}

/** How the audit files a lookup that did not lead to a reset: a wrong code is a mistake, a protected account a refusal. */
export function auditResultOf(error: AppError): Extract<AuditResult, 'invalid' | 'refused'> {
  switch (error.code) {
    case ErrorCode.EmployeeNotFound:
    case ErrorCode.EmployeeAmbiguous:
    case ErrorCode.NoMobileOnRecord:
    case ErrorCode.MobileAmbiguous:
      return 'invalid';
    default:
      return 'refused';
  }
}
