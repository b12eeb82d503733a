import { AppError, ErrorCode } from '../errors.js';
import type { AuditResult, DirectoryAccount, DirectoryLookup } from '../ports/index.js';
import { checkTextable, describeNumberProblem, type NumberRules } from './phone.js';

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
  const refuse = (code: ErrorCode, message: string, details = {}) => ({
    ok: false as const,
    error: new AppError(code, message, details),
    account,
  });
  if (account.disabled) return refuse(ErrorCode.AccountDisabled, 'The account is disabled');
  if (account.protection) {
    return refuse(ErrorCode.AccountProtected, 'The account is privileged or protected', {
      protection: account.protection,
    });
  }
  if (account.passwordNeverExpires) {
    return refuse(ErrorCode.PasswordNeverExpires, 'The account is flagged "password never expires"');
  }
  const raw = account.mobile?.trim();
  if (!raw) return refuse(ErrorCode.NoMobileOnRecord, 'No mobile number on record', { problem: 'missing' });
  const textable = checkTextable(raw, numbers);
  if (!textable.ok) {
    return refuse(ErrorCode.NoMobileOnRecord, 'The number on record may not be texted', {
      problem: textable.problem,
      why: describeNumberProblem(textable, numbers),
    });
  }
  const phoneE164 = textable.e164;
  return { ok: true, employee: { name: account.displayName, code, phoneE164, account } };
}

/** How the audit files a lookup that did not lead to a reset: a wrong code is a mistake, a protected account a refusal. */
export function auditResultOf(error: AppError): Extract<AuditResult, 'invalid' | 'refused'> {
  switch (error.code) {
    case ErrorCode.EmployeeNotFound:
    case ErrorCode.EmployeeAmbiguous:
    case ErrorCode.NoMobileOnRecord:
      return 'invalid';
    default:
      return 'refused';
  }
}
