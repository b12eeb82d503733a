import { setTimeout as delay } from 'node:timers/promises';
import type okta from '@okta/okta-sdk-nodejs';
import { escapeHidden } from '../../domain/text.js';
import { AppError, ErrorCode } from '../../errors.js';
import type { FactorOutcome, FactorPushOptions } from '../../ports/index.js';
import { classifyOktaFactorError, type FactorPushStep, rateLimitWaitMs } from './errors.js';

/**
 * The Okta Verify push of the help-desk pattern (Okta Workflows' "verify the caller"): list the user's factors, push
 * to their active Okta Verify factor (`POST /api/v1/users/{id}/factors/{factorId}/verify`, no body: a standard push),
 * then poll the transaction Okta's answer links to until the employee approves or refuses it, Okta expires it, the
 * caller's time runs out or the caller gives up. Nothing of the account changes.
 */

/**
 * How often the transaction is asked for the answer: a few requests a minute per push (Okta limits each endpoint per
 * minute), and the admin hears of the answer within seconds.
 */
export const FACTOR_POLL_MS = 3000;

/** The fields of a listed factor the bot reads (the SDK's UserFactor and UserFactorPush, loosely). */
interface OktaFactor {
  readonly id?: string;
  readonly factorType?: string;
  readonly provider?: string;
  readonly status?: string;
  readonly profile?: { readonly name?: unknown; readonly platform?: unknown } | null;
}

/** The push's answer or a poll's: the SDK's UserFactorVerifyResponseWaiting and UserFactorPushTransaction, loosely. */
interface OktaTransaction {
  readonly factorResult?: string;
  readonly _links?: { readonly poll?: { readonly href?: string } };
}

type Late = typeof LATE;
const LATE = Symbol('late');

const PLATFORMS: Readonly<Record<string, string>> = { IOS: 'iOS', ANDROID: 'Android' };

/**
 * "Okta Verify on Jane's iPhone": the device's name as the employee gave it in Okta Verify (else its platform), cut
 * to 60 characters, hidden characters written out (it comes from the employee's phone and is shown to the admin).
 */
export function describeFactor(factor: OktaFactor): string {
  const clean = (v: unknown) =>
    typeof v === 'string' ? escapeHidden(Array.from(v.trim()).slice(0, 60).join('')).trim() : '';
  const platform = clean(factor.profile?.platform);
  const device = clean(factor.profile?.name) || PLATFORMS[platform] || platform;
  return device ? `Okta Verify on ${device}` : 'Okta Verify';
}

/**
 * The transaction id in a poll link, `…/api/v1/users/{userId}/factors/{factorId}/transactions/{id}`. Only the id is
 * taken: the poll goes through the SDK to the configured org, never to a host an answer names.
 */
export function transactionOf(href: unknown, userId: string, factorId: string): string | undefined {
  if (typeof href !== 'string') return undefined;
  let path: string;
  try {
    path = new URL(href).pathname;
  } catch {
    return undefined;
  }
  const prefix = `/api/v1/users/${encodeURIComponent(userId)}/factors/${encodeURIComponent(factorId)}/transactions/`;
  if (!path.startsWith(prefix)) return undefined;
  const id = path.slice(prefix.length);
  return /^[\w.-]{1,200}$/.test(id) ? id : undefined;
}

/** What a factorResult means; `waiting` while the employee has not answered (with or without a number challenge). */
function outcomeOf(result: string | undefined, step: FactorPushStep): FactorOutcome['result'] | 'waiting' {
  if (result?.startsWith('WAITING')) return 'waiting';
  if (result === 'SUCCESS') return 'approved';
  if (result === 'REJECTED') return 'rejected';
  if (result === 'TIMEOUT' || result === 'EXPIRED') return 'timed_out';
  // Fail closed on anything else (ERROR, FAILED, …): the employee is not verified, and the admin is told so.
  throw new AppError(ErrorCode.DirectoryUnavailable, 'Okta answered the push with an unknown result', {
    operation: 'factor_push',
    step,
    reason: 'unexpected_answer',
    ...(result && /^[A-Za-z_ ()]{1,60}$/.test(result) ? { factorResult: result } : {}),
  });
}

/**
 * `work`, unless the deadline comes first (LATE) or the signal aborts (rejects with its reason). An abandoned request
 * runs on to its own limit (DIRECTORY_TIMEOUT_MS) and its result is dropped.
 */
function bounded<T>(work: Promise<T>, deadline: number, signal?: AbortSignal): Promise<T | Late> {
  work.catch(() => undefined);
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const settle = (finish: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      finish();
    };
    const onAbort = () => settle(() => reject(signal?.reason));
    const timer = setTimeout(() => settle(() => resolve(LATE)), Math.max(0, deadline - Date.now()));
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => settle(() => resolve(value)),
      (err: unknown) => settle(() => reject(err)),
    );
  });
}

export interface FactorPushDeps {
  /** The SDK's UserFactorApi, on the adapter's client (its executor bounds each request). */
  readonly factors: okta.Client['userFactorApi'];
  /** Between two polls; FACTOR_POLL_MS but in tests. */
  readonly pollMs: number;
}

export function createFactorPush({ factors, pollMs }: FactorPushDeps) {
  return async function pushToEnrolledFactor(
    userId: string,
    { timeoutMs, signal }: FactorPushOptions,
  ): Promise<FactorOutcome> {
    signal?.throwIfAborted();
    const deadline = Date.now() + timeoutMs;
    const pause = (ms: number) => bounded(delay(Math.max(0, Math.min(ms, deadline - Date.now()))), deadline, signal);

    /**
     * A read (the list, a poll) within the deadline; after a 429 it waits for Okta's x-rate-limit-reset (at least a
     * poll's interval) and asks again, while that falls before the deadline. Anything else is thrown, in words.
     */
    const read = async <T>(step: FactorPushStep, call: () => Promise<T>): Promise<T | Late> => {
      for (;;) {
        try {
          return await bounded(call(), deadline, signal);
        } catch (err) {
          if (signal?.aborted) throw signal.reason;
          const waitMs = rateLimitWaitMs(err);
          if (waitMs === undefined || Date.now() + waitMs >= deadline) throw classifyOktaFactorError(err, step);
          if ((await pause(Math.max(waitMs, pollMs))) === LATE) return LATE;
        }
      }
    };

    const listed = await read('list', async () => {
      const found: OktaFactor[] = [];
      for await (const factor of await factors.listFactors({ userId })) if (factor) found.push(factor as OktaFactor);
      return found;
    });
    if (listed === LATE) return { result: 'timed_out' };
    // Okta Verify's push: provider OKTA (not a Duo or RSA push), enrolled and active. The first one in Okta's order.
    const factor = listed.find((f) => f.factorType === 'push' && f.provider === 'OKTA' && f.status === 'ACTIVE');
    if (!factor?.id) return { result: 'no_factor' };
    const factorId = factor.id;
    const described = describeFactor(factor);

    // The push itself is not asked twice: a 429 (nothing sent) or a lost answer (it may have reached the phone) ends
    // here, so the employee never gets two pushes for one question.
    let pushed: OktaTransaction | Late;
    try {
      pushed = (await bounded(factors.verifyFactor({ userId, factorId }), deadline, signal)) as OktaTransaction | Late;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw classifyOktaFactorError(err, 'push');
    }
    if (pushed === LATE) return { result: 'timed_out', factor: described };
    const first = outcomeOf(pushed.factorResult, 'push');
    if (first !== 'waiting') return { result: first, factor: described };
    const transactionId = transactionOf(pushed._links?.poll?.href, userId, factorId);
    if (!transactionId) {
      throw new AppError(ErrorCode.DirectoryUnavailable, 'Okta sent the push without a poll link', {
        operation: 'factor_push',
        step: 'push',
        reason: 'unexpected_answer',
      });
    }

    // A poll whose answer was lost (a timeout, a 5xx) is asked again at the next interval; if the deadline comes
    // after such a failure, that failure is the outcome (Okta, not the employee, did not answer).
    const poll = () =>
      factors.getFactorTransactionStatus({ userId, factorId, transactionId }) as Promise<OktaTransaction>;
    let lost: AppError | undefined;
    for (;;) {
      if ((await pause(pollMs)) === LATE) break;
      let polled: OktaTransaction | Late;
      try {
        polled = await read('poll', poll);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        const error = classifyOktaFactorError(err, 'poll');
        if (error.details.reason !== 'timeout') throw error;
        lost = error;
        continue;
      }
      if (polled === LATE) break;
      lost = undefined;
      const result = outcomeOf(polled.factorResult, 'poll');
      if (result !== 'waiting') return { result, factor: described };
    }
    if (lost) throw lost;
    return { result: 'timed_out', factor: described };
  };
}
