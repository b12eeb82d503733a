/**
 * Each live temporary password is watched from its set: looked at on a backoff for the employee's own change (then
 * the admin is told), and at its end scrambled unless changed (TEMP_PASSWORD_TTL). Kept in the store so that every
 * replica sees it, it survives restarts, and each look is claimed by exactly one process.
 */

/** A password the bot set and did not undo: what its watch needs, written the moment it was set. */
export interface LivePassword {
  readonly auditId: string;
  /** The next look: a change check before `endsAt`, the end itself at `endsAt`. */
  readonly dueAt: Date;
  readonly setAt: Date;
  readonly endsAt: Date;
  /** Scrambled at `endsAt` unless the employee changed it (TEMP_PASSWORD_TTL); else only watched until then. */
  readonly expires: boolean;
  /**
   * The native end of validity written with the password, exactly as the directory took it (OpenLDAP pwdEndTime):
   * removed once the employee's own password is seen (it would block theirs too) and once the password is gone.
   */
  readonly validUntil?: string;
  readonly directoryKind: string;
  readonly accountId: string;
  readonly login: string;
  /** The directory's marker right after the set ('' if unread): "changed since" compares with it. */
  readonly marker: string;
  readonly adminUserId: string;
  readonly employeeName: string;
}

/** What the reset knows of a password the moment it is set; the watch adds its times. */
export type NewLivePassword = Omit<LivePassword, 'dueAt' | 'setAt' | 'endsAt' | 'expires'>;

/** A due expiry this process now holds (for `leaseMs`), with where its reset's password stands in the audit. */
export interface ClaimedExpiry extends LivePassword {
  /** The reset's directory step now: `set` unless something undid or replaced the password since. */
  readonly directoryResult: string | null;
  /** The audit channel's message about the reset, to update when the employee's change is seen. */
  readonly announcementTs?: string;
  /** This claim's own token: finishing or releasing needs it, so a claim whose lease lapsed cannot undo another's. */
  readonly claim: string;
}

/**
 * How a watch ended: the employee's own password (`changed`); the password scrambled at its end (`expired`) or not
 * (`expire_failed`); a later reset's write (`superseded`); nothing live any more (`already_undone`); no marker to
 * tell the employee's change by (`cannot_tell`: left alone, the admin told); or the end of a watch without expiry
 * (`unwatched`, TEMP_PASSWORD_TTL=0).
 */
export type ExpiryOutcome =
  | 'changed'
  | 'expired'
  | 'expire_failed'
  | 'superseded'
  | 'already_undone'
  | 'cannot_tell'
  | 'unwatched';

export interface ExpiryStore {
  schedule(password: LivePassword): Promise<void>;
  /** One due expiry claimed for this process, or undefined when none is due (or every due one is held). */
  claimDue(now: Date, leaseMs: number): Promise<ClaimedExpiry | undefined>;
  /** When the next expiry can be claimed: a pending one's due time, or a held one's lease end. */
  nextDueAt(): Promise<Date | undefined>;
  /**
   * The newest native end of validity the bot wrote on this account (a receipt's validUntil), so that a new reset
   * may replace it rather than take it for its owner's.
   */
  latestValidUntil(directoryKind: string, accountId: string): Promise<string | undefined>;
  /** Gives a claim back, due again at `dueAt` (the next look, or the directory could not be asked). False: not ours. */
  release(claim: ClaimedExpiry, dueAt: Date): Promise<boolean>;
  /** False when the claim is not ours any more (its lease lapsed and another process took it). */
  finish(claim: ClaimedExpiry, outcome: ExpiryOutcome, at: Date): Promise<boolean>;
}
