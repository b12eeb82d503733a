/** The port onto the audit trail. Never given the password: it is not part of any entry or outcome. */
import type { DirectoryKind } from './directory.js';
import type { SmsDeliveryStatus } from './sms.js';

export type AuditResult = 'sent' | 'failed' | 'unknown' | 'refused' | 'invalid' | 'rate_limited';
/** A sent row's final word once the provider reports delivery (`undelivered` covers failed and canceled too). */
export type DeliveryResult = 'delivered' | 'undelivered';

/**
 * The directory step of a reset. `setting` is written before the directory is touched and stays only if the
 * process died there; `scrambled` means the password was replaced by a random one nobody knows (the text failed,
 * was not delivered, or the bot was interrupted); `superseded` means a later reset of the same account made a
 * pending scramble pointless; `changed` means the employee has since set a password of their own (the watch saw it);
 * `scrambling` is a scramble's claim on the row, taken before the directory is touched (a process that dies there
 * leaves it, and the sweep finishes the scramble).
 */
export type DirectoryResult =
  | 'setting'
  | 'set'
  | 'failed'
  | 'scrambled'
  | 'scramble_failed'
  | 'superseded'
  | 'changed'
  | 'scrambling';

/**
 * Whether the employee was told of the reset by a DM from the bot (NOTIFY_EMPLOYEE): `sent`; `no_email` (the
 * directory holds none for the account); `not_in_slack` (no Slack user has that email); `missing_scope` (the bot may
 * not look people up or DM them); `failed` (any other Slack error); `off` (NOTIFY_EMPLOYEE=off).
 */
export type EmployeeNoticeResult = 'sent' | 'no_email' | 'not_in_slack' | 'missing_scope' | 'failed' | 'off';

/** Which directory account a request was about. */
export interface AuditDirectoryTarget {
  readonly kind: DirectoryKind;
  /** DN (LDAP/AD). */
  readonly accountId: string;
  readonly login: string;
}

/** Who asked for what. Fields the request never got to (a refused command has no employee) stay unset. */
export interface AuditEntry {
  readonly requestId: string;
  readonly teamId?: string;
  readonly adminUserId: string;
  readonly employee?: { readonly name?: string; readonly code?: string; readonly phoneE164?: string };
  readonly reason?: string;
  readonly directory?: AuditDirectoryTarget;
  /** How the employee was verified first (code, skipped, not_required), when, and after how many wrong codes. */
  readonly verification?: { readonly method: string; readonly at?: string; readonly failures?: number };
}

export interface AuditDirectoryStep {
  readonly result: DirectoryResult;
  /** An error code, or why a scramble happened (SMS_…, undelivered, interrupted). */
  readonly detail?: string;
  /** The directory's marker right after the set (see PasswordSetReceipt). */
  readonly marker?: string;
  /** `revoked`, or the error code of a revocation of sign-in sessions that failed; absent when none was tried. */
  readonly sessions?: string;
}

export interface AuditOutcome {
  readonly result: AuditResult;
  readonly messageSid?: string;
  readonly errorCode?: string;
  readonly twilioErrorCode?: number;
  /** For `sent`: the provider's status at creation and until when delivery is worth tracking. */
  readonly deliveryStatus?: string;
  readonly trackUntil?: Date;
  readonly directoryStep?: AuditDirectoryStep;
}

export interface DeliveryEvent {
  readonly at: string;
  readonly status: string;
  readonly errorCode?: number;
}

export interface AuditRecord extends AuditEntry {
  readonly id: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly result: AuditResult | DeliveryResult | 'sending';
  readonly messageSid?: string;
  readonly errorCode?: string;
  readonly twilioErrorCode?: number;
  readonly deliveryStatus?: string;
  readonly deliveryErrorCode?: number;
  readonly trackUntil?: string;
  readonly redactedAt?: string;
  readonly announcementTs?: string;
  readonly directoryStep?: AuditDirectoryStep;
  /** For an `unknown` send: what Twilio's list showed afterwards (UnknownSendSettlement's `lookup`). */
  readonly smsLookup?: string;
  /** A refusal row may stand for several identical refusals in a row (see recordRefusal). */
  readonly repeatCount?: number;
  /** Whether the employee was told by DM (absent: not a reset the employee is told of). */
  readonly employeeNotice?: EmployeeNoticeResult;
}

/**
 * What Twilio's list showed about a send whose answer never came (an `unknown` row): the message (`found`: the
 * row becomes `sent` and is tracked), none (`not_found`: the row becomes `failed`), several (`ambiguous`), or the
 * list could not be read (`lookup_failed`), or the employee had changed the password already (`moot`: the text did
 * arrive); the last three leave the row `unknown`.
 */
export type UnknownSendSettlement =
  | {
      readonly lookup: 'found';
      readonly messageSid: string;
      /** The status is left for the delivery tracker's first poll to record (and report, if final). */
      readonly trackUntil: Date;
    }
  | { readonly lookup: 'not_found' | 'ambiguous' | 'lookup_failed' | 'moot' };

export interface AuditQuery {
  readonly limit: number;
  readonly since?: string;
  readonly employeeCode?: string;
  /** Only this admin's rows (the App Home lists an admin's own resets). */
  readonly adminUserId?: string;
  /** Only rows with one of these results. */
  readonly results?: readonly AuditRecord['result'][];
}

export interface AuditStore {
  /** A request that ends without a send (refused, invalid, rate limited): one finished row. */
  record(entry: AuditEntry, outcome: AuditOutcome): Promise<void>;
  /**
   * A refused command. If the same admin was refused for the same reason since `since`, that row's count goes up
   * instead (`counted`), so a flood cannot bury the trail; otherwise a new row (`recorded`).
   */
  recordRefusal(entry: AuditEntry, outcome: AuditOutcome, since: Date): Promise<'recorded' | 'counted'>;
  /**
   * Written before the directory or the SMS provider is touched (state `sending`, and directory step `setting`
   * when the entry names a directory account), so a crash leaves evidence. Returns the row id.
   */
  begin(entry: AuditEntry): Promise<string>;
  /** Completes a `sending` row; false (and nothing written) if the row is no longer `sending`. */
  finish(id: string, outcome: AuditOutcome): Promise<boolean>;
  /** Newest first. */
  list(query: AuditQuery): Promise<AuditRecord[]>;
  /** One row by its id. */
  get(id: string): Promise<AuditRecord | undefined>;
  /**
   * Marks rows still `sending` since before `before` (only those in `ids`, if given) as `unknown`; returns exactly
   * the rows this call changed.
   */
  recoverInterrupted(before: Date, ids?: readonly string[]): Promise<AuditRecord[]>;
  /**
   * Records a delivery status if it differs from the stored one and the row is not final yet; a final status also
   * sets the row's result. True only for the call that changed the row, so with several replicas polling the same
   * message, exactly one of them reports each change.
   */
  recordDelivery(id: string, status: SmsDeliveryStatus, final: DeliveryResult | undefined): Promise<boolean>;
  markRedacted(id: string): Promise<void>;
  /** Stops tracking a sent row that never reached a final state; true only for the call that stopped it. */
  endTracking(id: string): Promise<boolean>;
  /** Remembers the audit channel message about this row, so that its delivery can update it after a restart. */
  setAnnouncement(id: string, ts: string): Promise<void>;
  /** Sent rows whose delivery is still worth tracking at `now`, and final rows still to be redacted. */
  deliveriesToResume(now: Date): Promise<AuditRecord[]>;
  /** Each delivery status change of these rows, oldest first. */
  deliveryEvents(ids: readonly string[]): Promise<Map<string, DeliveryEvent[]>>;
  /**
   * Moves a row's directory step from one of `from` to `step`; true only for the call that moved it, so that
   * two replicas compensating the same row report it once.
   */
  moveDirectoryStep(id: string, from: readonly DirectoryResult[], step: AuditDirectoryStep): Promise<boolean>;
  /**
   * The newest row that wrote (or was about to write) a password for this directory account, so that a late
   * scramble never destroys the password of a reset that came after it; `underway` while its write's outcome is not
   * known yet (`setting`).
   */
  latestDirectoryWrite(
    kind: DirectoryKind,
    accountId: string,
  ): Promise<{ readonly id: string; readonly underway: boolean } | undefined>;
  /** Which of these provider message ids a reset row already holds. */
  knownMessageSids(sids: readonly string[]): Promise<Set<string>>;
  /** `unknown` sends (no answer from the provider) created since `since` and not looked up yet, oldest first. */
  unknownSendsToResolve(since: Date): Promise<AuditRecord[]>;
  /**
   * Records what the provider's list showed about an `unknown` send; the row as it is now for the one call that
   * settled it, undefined for any other (another replica got there first).
   */
  settleUnknownSend(id: string, settlement: UnknownSendSettlement): Promise<AuditRecord | undefined>;
  /** Rows whose scramble failed, or whose scramble's process died (a stale `scrambling`), to try again. */
  scramblesToRetry(): Promise<AuditRecord[]>;
  /** Records whether the employee was told of this reset by DM. */
  recordEmployeeNotice(id: string, result: EmployeeNoticeResult): Promise<void>;
}
