/**
 * When each live temporary password stops being valid (TEMP_PASSWORD_TTL), kept in the store so that every replica
 * sees it, it survives restarts, and each expiry is claimed by exactly one process.
 */

/** A password the bot set and did not undo: what its expiry needs, written when the reset finished. */
export interface LivePassword {
  readonly auditId: string;
  readonly dueAt: Date;
  readonly directoryKind: string;
  readonly accountId: string;
  readonly login: string;
  /** The directory's marker right after the set ('' if unread): "changed since" compares with it. */
  readonly marker: string;
  readonly adminUserId: string;
  readonly employeeName: string;
}

/** A due expiry this process now holds (for `leaseMs`), with where its reset's password stands in the audit. */
export interface ClaimedExpiry extends LivePassword {
  /** The reset's directory step now: `set` unless something undid or replaced the password since. */
  readonly directoryResult: string | null;
  /** This claim's own token: finishing or releasing needs it, so a claim whose lease lapsed cannot undo another's. */
  readonly claim: string;
}

/**
 * What an expiry found: the employee's own password (`changed`); the password scrambled (`expired`) or not
 * (`expire_failed`); a later reset's write (`superseded`); nothing live any more (`already_undone`); or no marker to
 * tell the employee's change by (`cannot_tell`: left alone, the admin told).
 */
export type ExpiryOutcome = 'changed' | 'expired' | 'expire_failed' | 'superseded' | 'already_undone' | 'cannot_tell';

export interface ExpiryStore {
  schedule(password: LivePassword): Promise<void>;
  /** One due expiry claimed for this process, or undefined when none is due (or every due one is held). */
  claimDue(now: Date, leaseMs: number): Promise<ClaimedExpiry | undefined>;
  /** When the next expiry can be claimed: a pending one's due time, or a held one's lease end. */
  nextDueAt(): Promise<Date | undefined>;
  /** Gives a claim back, due again at `dueAt` (the directory could not be asked). False: not ours any more. */
  release(claim: ClaimedExpiry, dueAt: Date): Promise<boolean>;
  /** False when the claim is not ours any more (its lease lapsed and another process took it). */
  finish(claim: ClaimedExpiry, outcome: ExpiryOutcome, at: Date): Promise<boolean>;
}
