/** Ports onto the shared counters: once per form, and the rate limits. */

export interface SubmissionLedger {
  /** True the first time a modal submission (its `view.id`) is claimed, on any replica; false ever after. */
  claim(viewId: string, requestId: string): Promise<boolean>;
}

/** The limits a reset counts against, most specific first. */
export const RATE_LIMIT_NAMES = ['employee_10m', 'employee_day', 'phone_day', 'admin_hour', 'workspace_day'] as const;
export type RateLimitName = (typeof RATE_LIMIT_NAMES)[number];

/** The most resets each limit allows in its window; 0 turns a limit off. */
export type RateLimitMaxima = Readonly<Record<RateLimitName, number>>;

export interface RateLimitSubject {
  readonly teamId?: string;
  readonly adminUserId: string;
  readonly employeeCode: string;
  /**
   * With a directory, the account the code led to: the per-employee limits count the account, so that two codes
   * on one account (a multi-valued attribute) do not let it be reset twice in a window.
   */
  readonly accountId?: string;
  readonly phoneE164: string;
}

export type RateLimitDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      readonly limit: RateLimitName;
      readonly max: number;
      readonly windowSeconds: number;
      /** When the limit that refused frees up again. */
      readonly retryAt: Date;
    };

export interface RateLimiter {
  /**
   * Counts one reset against every limit, or against none: if any limit is reached, what was counted is given
   * back and the first limit reached is returned. Throws when the counters cannot be reached (callers fail closed).
   * `only` narrows it to some limits (a verification code's text counts per phone and per employee, per day).
   */
  take(subject: RateLimitSubject, only?: readonly RateLimitName[]): Promise<RateLimitDecision>;
  /**
   * Gives back a reset that reached nobody (Twilio refused it, or it was not delivered), so a typo or a phone
   * that was off does not cost the admin a window. `only` narrows it to some limits.
   */
  refund(subject: RateLimitSubject, only?: readonly RateLimitName[]): Promise<void>;
}

/** A form the bot itself opened, as it opened it: what a submission is checked against (never its metadata). */
export interface OpenedForm {
  readonly viewId: string;
  readonly teamId: string;
  readonly adminUserId: string;
  /** Where the command was run; absent for a form opened from the App Home (its result is told by DM). */
  readonly channelId?: string;
  readonly responseUrl?: string;
  /**
   * With a directory: who the admin was shown in the confirmation step (set by the lookup step), and the number
   * on record then (E.164; absent on a form confirmed by a version that did not keep it).
   */
  readonly confirmed?: {
    readonly code: string;
    readonly accountId: string;
    readonly reason?: string;
    readonly phoneE164?: string;
  };
}

export interface FormRegistry {
  /** Remembers a form right after `views.open` returned its id. */
  opened(form: Omit<OpenedForm, 'confirmed'>): Promise<void>;
  /** The form as the bot opened it, or undefined for a view it never opened (or one over a day old). */
  get(viewId: string): Promise<OpenedForm | undefined>;
  /** Records whom the lookup step showed for confirmation. */
  confirm(viewId: string, confirmed: NonNullable<OpenedForm['confirmed']>): Promise<void>;
}
