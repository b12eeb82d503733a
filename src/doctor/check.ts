import { withTimeout } from '../lib/with-timeout.js';

/** One line of `resetpw doctor`: what was checked, how it went, and what to do when it failed. */
export interface CheckResult {
  /** Stable id for `--json` consumers: slack_token, twilio_sender, … */
  readonly id: string;
  readonly title: string;
  /** `skip`: not applicable to this configuration, or not checkable from here (said in `detail`). */
  readonly status: 'pass' | 'fail' | 'skip';
  readonly detail: string;
  /** What to do, on a failure. */
  readonly fix?: string;
}

export const pass = (id: string, title: string, detail: string): CheckResult => ({ id, title, status: 'pass', detail });
export const skip = (id: string, title: string, detail: string): CheckResult => ({ id, title, status: 'skip', detail });
export const fail = (id: string, title: string, detail: string, fix: string): CheckResult => ({
  id,
  title,
  status: 'fail',
  detail,
  fix,
});

/** Rejects after `ms`, so that one unreachable service cannot hang the whole report. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withTimeout(promise, ms, () => new Error(`${what} did not answer within ${ms / 1000} s`));
}
