import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOktaDirectory } from '../../src/adapters/okta/directory.js';
import { describeFactor, transactionOf } from '../../src/adapters/okta/factor-push.js';
import { ErrorCode } from '../../src/errors.js';
import { createMetrics } from '../../src/metrics.js';
import type { Directory, FactorOutcome } from '../../src/ports/index.js';
import { toUserMessage } from '../../src/user-messages.js';
import { FAKE_OKTA_TOKEN, FakeOkta } from '../fakes/fake-okta.js';
import { sleep } from '../fakes/http-util.js';
import { appErrorOf } from '../helpers/app-error.js';

/**
 * The directory's own factor (issue 15): an Okta Verify push to the employee's enrolled device, through the real
 * @okta/okta-sdk-nodejs against the local Okta (test/fakes/fake-okta.ts, fake-okta-factors.ts), with the employee's
 * answer scripted. What is sent (the factor list, one verify without a body, the polls) and when the polling stops.
 */
const POLL_MS = 40;
const OKTA = { directory: { kind: 'okta' as const, label: 'Okta' } };

describe('Okta Verify push (pushToEnrolledFactor)', () => {
  let okta: FakeOkta;
  let dir: Directory;
  let n = 0;
  beforeAll(async () => {
    okta = await new FakeOkta().start();
    dir = createOktaDirectory(
      { orgUrl: okta.url, auth: { kind: 'token', token: FAKE_OKTA_TOKEN }, timeoutMs: 2000 },
      { factorPollMs: POLL_MS },
    );
  });
  afterAll(async () => {
    await okta.stop();
  });

  const person = () => {
    const i = ++n;
    return okta.addUser({ login: `push${i}@example.com`, employeeNumber: `P-${i}`, password: `Old-Pass-${i}-xyzzy` });
  };
  const push = (userId: string, timeoutMs = 5000, signal?: AbortSignal, on: Directory = dir): Promise<FactorOutcome> =>
    (on.pushToEnrolledFactor as NonNullable<Directory['pushToEnrolledFactor']>)(userId, { timeoutMs, signal });
  const requestsFor = (userId: string, since = 0) => okta.requests.slice(since).filter((r) => r.path.includes(userId));
  const polls = (userId: string) => okta.callsTo('GET', new RegExp(`/users/${userId}/factors/[^/]+/transactions/`));
  /** A few poll intervals, then the transaction's polls must not have moved: the adapter stopped asking. */
  const expectNoMorePolls = async (userId: string) => {
    const seen = polls(userId).length;
    await sleep(POLL_MS * 5);
    expect(polls(userId)).toHaveLength(seen);
  };

  it('pushes to the active Okta Verify factor, polls until the employee approves, then stops', async () => {
    const id = person();
    // Not these: a text message, another vendor's push, an Okta Verify not yet activated.
    okta.factors.enroll(id, { factorType: 'sms', provider: 'OKTA', profile: { phoneNumber: '+1 500 555 0006' } });
    okta.factors.enroll(id, { factorType: 'push', provider: 'DUO' });
    okta.factors.enrollPush(id, { status: 'PENDING_ACTIVATION', name: 'Old phone' });
    const factorId = okta.factors.enrollPush(id, { name: "Jane's iPhone" });
    okta.factors.employeeWill(id, 'approve', 2);
    const before = okta.requests.length;

    expect(await push(id)).toEqual({ result: 'approved', factor: "Okta Verify on Jane's iPhone" });

    const [list, verify, ...rest] = requestsFor(id, before);
    expect(list).toMatchObject({ method: 'GET', path: `/api/v1/users/${id}/factors`, query: {} });
    expect(list?.authorization).toBe(`SSWS ${FAKE_OKTA_TOKEN}`);
    // A standard push: no body (a body with useNumberMatchingChallenge would ask for number matching), no query.
    expect(verify).toMatchObject({ method: 'POST', path: `/api/v1/users/${id}/factors/${factorId}/verify`, query: {} });
    expect(verify?.body).toBeUndefined();
    const [sent] = okta.factors.pushesTo(id);
    expect(sent?.userAgent).toMatch(/^@okta\/okta-sdk-nodejs\/8\./); // Okta wants a User-Agent on a push's verify
    const path = `/api/v1/users/${id}/factors/${factorId}/transactions/${sent?.transactionId}`;
    expect(rest.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${path}`, `GET ${path}`]);
    expect(sent).toMatchObject({ polls: 2, result: 'SUCCESS' });
    await expectNoMorePolls(id);
    // The account itself is untouched: no write to the user.
    expect(okta.callsTo('POST', new RegExp(`^/api/v1/users/${id}(/lifecycle/.*)?$`))).toHaveLength(0);
    expect(okta.signIn(id, `Old-Pass-${n}-xyzzy`)).toBe('ok');
  });

  it('says rejected when the employee taps "No, it\'s not me", and stops polling', async () => {
    const id = person();
    okta.factors.enrollPush(id, { platform: 'ANDROID' });
    okta.factors.employeeWill(id, 'reject', 3);
    expect(await push(id)).toEqual({ result: 'rejected', factor: 'Okta Verify on Android' });
    expect(okta.factors.pushesTo(id)).toMatchObject([{ polls: 3, result: 'REJECTED' }]);
    await expectNoMorePolls(id);
  });

  it("says timed_out when Okta expires the push (its own five minutes), or the caller's time runs out first", async () => {
    const expired = person();
    okta.factors.enrollPush(expired, { name: 'Pixel' });
    okta.factors.employeeWill(expired, 'let_expire', 2);
    expect(await push(expired)).toEqual({ result: 'timed_out', factor: 'Okta Verify on Pixel' });
    expect(okta.factors.pushesTo(expired)).toMatchObject([{ result: 'TIMEOUT' }]);

    const silent = person();
    okta.factors.enrollPush(silent, { name: 'Pixel' });
    okta.factors.employeeWill(silent, 'ignore');
    expect(await push(silent, POLL_MS * 15)).toEqual({ result: 'timed_out', factor: 'Okta Verify on Pixel' });
    const [waiting] = okta.factors.pushesTo(silent);
    expect(waiting?.result).toBe('WAITING');
    expect(waiting?.polls).toBeGreaterThan(0);
    await expectNoMorePolls(silent);
    // One push for one question: the wait never sends another.
    expect(okta.factors.pushesTo(silent)).toHaveLength(1);
  });

  it('says no_factor, and pushes nothing, without an active Okta Verify', async () => {
    const none = person();
    expect(await push(none)).toEqual({ result: 'no_factor' });
    const smsOnly = person();
    okta.factors.enroll(smsOnly, { factorType: 'sms', provider: 'OKTA' });
    okta.factors.enrollPush(smsOnly, { status: 'PENDING_ACTIVATION' });
    expect(await push(smsOnly)).toEqual({ result: 'no_factor' });
    for (const id of [none, smsOnly]) {
      expect(requestsFor(id).map((r) => `${r.method} ${r.path}`)).toEqual([`GET /api/v1/users/${id}/factors`]);
    }
  });

  it("stops at once when the caller's signal aborts, rejecting with its reason, and polls no more", async () => {
    const id = person();
    okta.factors.enrollPush(id);
    okta.factors.employeeWill(id, 'ignore');
    const controller = new AbortController();
    const waiting = push(id, 60_000, controller.signal);
    const settled = waiting.then(
      () => 'resolved',
      (err: unknown) => err,
    );
    while (polls(id).length === 0) await sleep(5);
    controller.abort();
    expect(((await settled) as Error).name).toBe('AbortError');
    await expectNoMorePolls(id);

    // Aborted before it starts: nothing is asked of Okta.
    const quiet = person();
    okta.factors.enrollPush(quiet);
    const reason = new Error('the admin closed the form');
    await expect(push(quiet, 5000, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(requestsFor(quiet)).toHaveLength(0);
  });

  it('turns a missing right into DIRECTORY_ACCESS_DENIED with words, at each step, and pushes nothing it may not', async () => {
    const limited = (token: string, denied: string[]) => {
      okta.tokens.set(token, new Set(denied));
      return createOktaDirectory(
        { orgUrl: okta.url, auth: { kind: 'token', token }, timeoutMs: 2000 },
        { factorPollMs: POLL_MS },
      );
    };
    const id = person();
    okta.factors.enrollPush(id);
    okta.factors.employeeWill(id, 'approve');

    const noList = await appErrorOf(push(id, 5000, undefined, limited('no-factors', ['factors'])));
    expect(noList).toMatchObject({
      code: ErrorCode.DirectoryAccessDenied,
      details: { operation: 'factor_push', step: 'list', httpStatus: 403, providerCode: 'E0000006' },
    });
    const noPush = await appErrorOf(push(id, 5000, undefined, limited('no-verify', ['verify'])));
    expect(noPush.details).toMatchObject({ operation: 'factor_push', step: 'push', providerCode: 'E0000006' });
    expect(okta.factors.pushesTo(id)).toHaveLength(0);
    const noPoll = await appErrorOf(push(id, 5000, undefined, limited('no-poll', ['poll'])));
    expect(noPoll).toMatchObject({ code: ErrorCode.DirectoryAccessDenied, details: { step: 'poll' } });

    const words = toUserMessage(noList, OKTA);
    expect(words.title).toBe('The bot may not use Okta Verify for this employee');
    expect(words.text).toBe(
      "Okta would not let the bot list the employee's enrolled factors (E0000006): the bot's Okta credentials (the administrator who created OKTA_API_TOKEN, or the service app's admin role) may not verify this user's factors. The employee is not verified and the password was not changed.",
    );
    expect(words.nextStep).toMatch(/^Verify the employee another way .*okta\.users\.read and okta\.users\.manage/);
    expect(toUserMessage(noPush, OKTA).text).toMatch(/^Okta would not let the bot send a push to the employee's/);
  });

  it("waits out a 429 on a poll until Okta's x-rate-limit-reset, then asks again", async () => {
    const id = person();
    okta.factors.enrollPush(id);
    okta.factors.employeeWill(id, 'approve');
    okta.rateLimitFor(2, new RegExp(`^GET /api/v1/users/${id}/factors/[^/]+/transactions/`));
    expect((await push(id)).result).toBe('approved');
    // The rate-limited poll and one after the reset: not a poll every 40 ms while the limit lasted.
    expect(polls(id)).toHaveLength(2);

    const busy = person();
    okta.factors.enrollPush(busy);
    okta.rateLimitNext(1, 30, new RegExp(`^GET /api/v1/users/${busy}/factors/[^/]+/transactions/`));
    const limited = await appErrorOf(push(busy, 2000));
    expect(limited).toMatchObject({
      code: ErrorCode.DirectoryUnavailable,
      details: { operation: 'factor_push', step: 'poll', reason: 'rate_limited', providerCode: 'E0000047' },
    });
    expect(toUserMessage(limited, OKTA).text).toBe(
      "The bot could not read the answer to the push: Okta's rate limit for the bot was reached. The employee is not verified and the password was not changed.",
    );
  });

  it('never sends the push twice: a push whose answer was lost fails, saying a push may still arrive', async () => {
    const id = person();
    okta.factors.enrollPush(id);
    okta.failNext(new RegExp(`^POST /api/v1/users/${id}/factors/[^/]+/verify$`), {
      status: 201,
      delayMs: 2500,
      afterApply: true,
    });
    const lost = await appErrorOf(push(id, 10_000));
    expect(lost).toMatchObject({
      code: ErrorCode.DirectoryUnavailable,
      details: { operation: 'factor_push', step: 'push', reason: 'timeout' },
    });
    expect(okta.factors.pushesTo(id)).toHaveLength(1);
    expect(okta.callsTo('POST', new RegExp(`/users/${id}/factors/[^/]+/verify$`))).toHaveLength(1);
    expect(toUserMessage(lost, OKTA).text).toMatch(/did not answer in time\. .* approving it now changes nothing\.$/);
  });

  it('keeps polling past one lost poll, and calls a user gone since the lookup a changed account', async () => {
    const id = person();
    okta.factors.enrollPush(id);
    okta.factors.employeeWill(id, 'approve', 2);
    okta.failNext(new RegExp(`^GET /api/v1/users/${id}/factors/[^/]+/transactions/`), { status: 503, body: {} });
    expect((await push(id)).result).toBe('approved');
    expect(polls(id)).toHaveLength(3);

    const gone = await appErrorOf(push('00uGone0000000000000'));
    expect(gone).toMatchObject({
      code: ErrorCode.EmployeeChanged,
      details: { operation: 'factor_push', step: 'list' },
    });
    expect(toUserMessage(gone, OKTA).title).toBe("The employee's Okta Verify changed");
  });

  it('is timed by the metrics wrapper as factor_push: an answer is ok, a wait given up on is aborted', async () => {
    const metrics = createMetrics({ inFlight: () => 0 });
    const measured = metrics.directory(dir);
    const id = person();
    okta.factors.enrollPush(id);
    okta.factors.employeeWill(id, 'reject');
    expect((await push(id, 5000, undefined, measured)).result).toBe('rejected');
    const other = person();
    okta.factors.enrollPush(other);
    okta.factors.employeeWill(other, 'ignore');
    const controller = new AbortController();
    const waiting = push(other, 60_000, controller.signal, measured).catch((err: unknown) => err);
    while (polls(other).length === 0) await sleep(5);
    controller.abort();
    await waiting;
    const text = await metrics.registry.metrics();
    expect(text).toMatch(
      /resetpw_directory_operation_seconds_count\{kind="okta",operation="factor_push",result="ok"\} 1/,
    );
    expect(text).toMatch(
      /resetpw_directory_operation_seconds_count\{kind="okta",operation="factor_push",result="aborted"\} 1/,
    );
  });
});

describe('reading what Okta answers about a factor', () => {
  it('takes only the transaction id from a poll link, for this user and factor', () => {
    const path = '/api/v1/users/00u1/factors/opf2/transactions/v2mst.GldKV5VxTrifyeZmWSQguA';
    expect(transactionOf(`https://example.okta.com${path}`, '00u1', 'opf2')).toBe('v2mst.GldKV5VxTrifyeZmWSQguA');
    // The host is not followed anyway (the poll goes to OKTA_ORG_URL through the SDK); the path must be this push's.
    expect(transactionOf(`https://elsewhere.example${path}`, '00u1', 'opf2')).toBe('v2mst.GldKV5VxTrifyeZmWSQguA');
    expect(transactionOf(`https://example.okta.com${path}`, '00u9', 'opf2')).toBeUndefined();
    expect(
      transactionOf('https://example.okta.com/api/v1/users/00u1/factors/opf2/transactions/a/b', '00u1', 'opf2'),
    ).toBeUndefined();
    expect(transactionOf('not a url', '00u1', 'opf2')).toBeUndefined();
    expect(transactionOf(undefined, '00u1', 'opf2')).toBeUndefined();
  });

  it('names the device as the employee did, hidden characters written out, cut to 60 characters', () => {
    expect(describeFactor({ profile: { name: 'Gibson', platform: 'IOS' } })).toBe('Okta Verify on Gibson');
    expect(describeFactor({ profile: { platform: 'IOS' } })).toBe('Okta Verify on iOS');
    expect(describeFactor({ profile: null })).toBe('Okta Verify');
    expect(describeFactor({ profile: { name: 'Jane\u202e enohp' } })).toBe('Okta Verify on Jane\\u{202e} enohp');
    expect(describeFactor({ profile: { name: 'x'.repeat(100) } })).toBe(`Okta Verify on ${'x'.repeat(60)}`);
  });
});
