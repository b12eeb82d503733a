/**
 * Verifying the employee before a reset (VERIFY_EMPLOYEE): the help desk's classic account-takeover path is a caller
 * who claims to be an employee. Provider-neutral: a method proves something about the person on the line (they hold
 * the phone on record; later, their Slack account or a factor they enrolled), and the store makes the proof shared by
 * every replica and usable once.
 */

/**
 * How the employee is verified: a code read back, their own approval in Slack, or the directory's own factor (a push
 * to a device they enrolled, e.g. Okta Verify).
 */
export type VerificationMethod = 'code' | 'slack_approval' | 'directory_factor';
/** What a reset's audit row says about it: a method, or none (`skipped` by the admin, `not_required`). */
export type VerificationRecord = VerificationMethod | 'skipped' | 'not_required';

/** A verification the reset may rely on: how, when, and after how many failed attempts. */
export interface VerificationProof {
  readonly method: VerificationRecord;
  /** The verification's id (for a method): the reset consumes it, once. */
  readonly id?: string;
  readonly at?: Date;
  readonly failures?: number;
}

/** Whom a verification is about, asked by whom and where: what every method's request and row share. */
export interface VerificationSubject {
  readonly id: string;
  /** The modal it belongs to: the reset it allows must come from the same view. */
  readonly viewId: string;
  readonly teamId?: string;
  readonly adminUserId: string;
  readonly directoryKind: string;
  readonly accountId: string;
  readonly employeeCode: string;
}

export interface NewVerification extends VerificationSubject {
  readonly method: VerificationMethod;
  /** A keyed hash of the code (never the code); '' for an approval. */
  readonly codeHash: string;
  readonly expiresAt: Date;
}

export type VerificationState = 'pending' | 'passed' | 'used' | 'failed' | 'locked' | 'expired' | 'declined';

export interface StoredVerification extends NewVerification {
  readonly state: VerificationState;
  readonly attempts: number;
  readonly lockedUntil?: Date;
  /** slack_approval: the employee's Slack user and the DM that asks them. */
  readonly employeeSlackId?: string;
  readonly dm?: { readonly channel: string; readonly ts: string };
  readonly createdAt: Date;
}

export interface VerificationStore {
  /** Until when verification of this account is locked (three wrong codes), if it is at `now`. */
  lockedUntil(directoryKind: string, accountId: string, now: Date): Promise<Date | undefined>;
  create(verification: NewVerification, now: Date): Promise<void>;
  get(id: string): Promise<StoredVerification | undefined>;
  /** Still pending, of these methods, with an expiry before `before`: oldest first, at most `limit`. */
  overdue(methods: readonly StoredVerification['method'][], before: Date, limit: number): Promise<StoredVerification[]>;
  setMessage(id: string, messageSid: string): Promise<void>;
  /**
   * A wrong code: one more attempt, atomically. The employee's wrong codes are counted across modals: this one,
   * and those of every other code sent for the account since `since`, since its last passed verification and
   * since its last lock (`recent`); when they reach `maxAttempts` the verification is locked until `lockUntil`. `attempts` is this
   * modal's own count (what the audit row reports). Undefined when it was not pending any more.
   */
  recordWrong(
    id: string,
    now: Date,
    maxAttempts: number,
    lockUntil: Date,
    since: Date,
  ): Promise<{ attempts: number; recent: number; locked: boolean } | undefined>;
  /** pending → passed, for the one call that moves it. */
  pass(id: string, now: Date): Promise<boolean>;
  /** passed → used, for exactly this view and account: the one reset it allows. */
  use(id: string, viewId: string, accountId: string, now: Date): Promise<boolean>;
  /**
   * pending (or one of `from`) → failed or expired (the code could not be sent; its time ran out; the admin moved
   * on); true for the call that moved it.
   */
  end(id: string, state: 'failed' | 'expired', now: Date, from?: readonly VerificationState[]): Promise<boolean>;
  /**
   * The directory's answer to its own factor: pending → passed, or declined (locked until `lockUntil`); the row for
   * the one call that moved it.
   */
  settle(id: string, approved: boolean, now: Date, lockUntil: Date): Promise<StoredVerification | undefined>;
  /** Records whom an approval asks, and where. */
  setApprovalMessage(id: string, employeeSlackId: string, dm: { channel: string; ts: string }): Promise<void>;
  /**
   * The employee's answer: pending → passed or declined (locked until `lockUntil`), only for that Slack user and before the expiry; the row
   * as it is now for the one call that moved it, undefined for any other (someone else, twice, too late).
   */
  answer(
    id: string,
    slackUserId: string,
    approved: boolean,
    now: Date,
    /** A "No" locks the account until then, as three wrong codes do. */
    lockUntil?: Date,
  ): Promise<StoredVerification | undefined>;
}
