import type { Employee } from '../domain/employee.js';
import type { VerificationProof } from '../ports/index.js';

/** Whom the admin asked to reset. */
export type ResetTarget =
  /** DIRECTORY=none: what the admin typed in the form. */
  | { readonly kind: 'typed'; readonly employee: Employee }
  /**
   * The account the admin confirmed in the modal, with the number on record the confirmation showed (E.164); it
   * is looked up again, now, by its code, and must still be that account with that number.
   */
  | { readonly kind: 'directory'; readonly code: string; readonly accountId: string; readonly phoneE164?: string };

export interface ResetRequest {
  readonly requestId: string;
  readonly teamId?: string;
  readonly adminUserId: string;
  readonly target: ResetTarget;
  readonly reason?: string;
  /** Where to tell the admin about delivery later (the command's response_url), while it is still valid. */
  readonly responseUrl?: string;
  /** The modal submission (`view.id`): a reset is processed once per submission, whatever arrives. */
  readonly submissionId?: string;
  /** How the employee was verified first (VERIFY_EMPLOYEE); a method's verification is consumed by the reset. */
  readonly verification?: VerificationProof;
}
