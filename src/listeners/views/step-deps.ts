import type { Logger } from 'pino';
import type { InFlight } from '../../lib/in-flight.js';
import type { AuditStore, FormRegistry } from '../../ports/index.js';
import type { Approval } from '../../services/approval.js';
import type { FactorVerification } from '../../services/factor.js';
import type { LookupOutcome, LookupRequest } from '../../services/lookup-employee.js';
import type { Verification } from '../../services/verification.js';
import type { MessageContext } from '../../user-messages.js';
import type { OfferedMethod } from '../../views/verification-modal.js';
import type { ResetRunner } from './report-outcome.js';

/** What the directory form's steps (lookup, confirmation, code) need: shared by their listeners. */

/** VERIFY_EMPLOYEE: what the confirmation offers, and the code method behind it. */
export interface VerificationDeps {
  readonly offered: readonly OfferedMethod[];
  readonly service: Verification;
  readonly codeTtlMs: number;
  /** The directory the accounts are in (the verification rows say which). */
  readonly directoryKind: string;
  /** The employee's own approval in Slack, when offered: the service, and the email the directory holds. */
  readonly approval?: {
    readonly service: Approval;
    readonly ttlMs: number;
    findEmail(employeeCode: string): Promise<string | undefined>;
  };
  /** The directory's own factor (an Okta Verify push), where the directory has one. */
  readonly factor?: { readonly service: FactorVerification; readonly ttlMs: number };
}

export interface DirectorySubmitDeps {
  readonly verification?: VerificationDeps;
  readonly inFlight: InFlight;
  readonly lookupEmployee: (request: LookupRequest, log: Logger) => Promise<LookupOutcome>;
  readonly runReset: ResetRunner;
  readonly audit: AuditStore;
  readonly forms: FormRegistry;
  readonly directoryLabel: string;
  readonly messages: MessageContext;
  readonly log: Logger;
}
