/**
 * Active Directory puts the reason for a failed bind in `data NNN` (the Win32 error, in hex). One table, read by the
 * LDAP adapter (start-up messages) and by the admin's messages (a runtime bind refusal).
 */
const AD_BIND_REASONS: Readonly<Record<string, string>> = {
  '525': 'the account does not exist',
  '52e': 'wrong password',
  '530': 'not permitted to log on at this time',
  '531': 'not permitted to log on from this workstation',
  '532': 'the password has expired',
  '533': 'the account is disabled',
  '568': 'too many security identifiers',
  '701': 'the account has expired',
  '773': 'the password must be changed before logging on',
  '775': 'the account is locked out',
};

export function describeAdBindReason(data: string | undefined): string | undefined {
  return data === undefined ? undefined : AD_BIND_REASONS[data.toLowerCase()];
}
