import { randomBytes } from 'node:crypto';

/**
 * The factors part of the local Okta (test/fakes/fake-okta.ts): a user's enrolled factors, the push challenge and its
 * transaction, shaped as Okta's Management API answers them (the spec's ListFactorsResults,
 * UserFactorChallengePushResponse and UserFactorVerifyPushTransaction* examples). A test enrolls factors and scripts
 * what the employee does with a push on their phone: approve, refuse, never answer, or let Okta expire it.
 */

/** An enrolled factor as `GET /api/v1/users/{id}/factors` lists it. */
export interface FakeFactor {
  readonly id: string;
  readonly factorType: string;
  readonly provider: string;
  readonly vendorName: string;
  status: string;
  readonly created: string;
  readonly lastUpdated: string;
  readonly profile: Readonly<Record<string, string>>;
}

/** What the employee does with a push: tap approve or deny, never look at it, or leave it to Okta's expiry. */
export type EmployeeAnswer = 'approve' | 'reject' | 'ignore' | 'let_expire';

/** A push Okta sent: the verify request as it came, its transaction, how often it was polled, and where it stands. */
export interface FakePush {
  readonly transactionId: string;
  readonly userId: string;
  readonly factorId: string;
  readonly userAgent: string;
  readonly body: unknown;
  polls: number;
  result: 'WAITING' | 'SUCCESS' | 'REJECTED' | 'TIMEOUT';
}

type Answer = { status: number; body?: unknown };
type OktaError = (status: number, errorCode: string, errorSummary: string) => Answer;

const RESULT_OF: Readonly<Record<Exclude<EmployeeAnswer, 'ignore'>, FakePush['result']>> = {
  approve: 'SUCCESS',
  reject: 'REJECTED',
  let_expire: 'TIMEOUT',
};

const now = () => new Date().toISOString();
/** Okta expires a push after five minutes. */
const expiresAt = () => new Date(Date.now() + 5 * 60_000).toISOString();
const link = (href: string, ...allow: string[]) => ({ href, hints: { allow } });

export class FakeOktaFactors {
  readonly pushes: FakePush[] = [];
  private readonly enrolled = new Map<string, FakeFactor[]>();
  private readonly scripts = new Map<string, { answer: EmployeeAnswer; afterPolls: number }>();

  constructor(
    private readonly baseUrl: () => string,
    private readonly oktaError: OktaError,
  ) {}

  /** Enrolls Okta Verify with push for a user (ACTIVE unless said); returns the factor id. */
  enrollPush(
    userId: string,
    spec: { credentialId?: string; name?: string; platform?: 'IOS' | 'ANDROID'; status?: string } = {},
  ): string {
    const platform = spec.platform ?? 'IOS';
    return this.enroll(userId, {
      factorType: 'push',
      provider: 'OKTA',
      status: spec.status ?? 'ACTIVE',
      profile: {
        credentialId: spec.credentialId ?? `${userId}@example.com`,
        deviceType: platform === 'IOS' ? 'SmartPhone_IPhone' : 'SmartPhone_Android',
        ...(spec.name !== undefined ? { name: spec.name } : {}),
        platform,
        version: '9.0',
        deviceToken: randomBytes(8).toString('hex'),
      },
    });
  }

  /** Enrolls any other factor (an SMS, a security question, another vendor's push); returns its id. */
  enroll(
    userId: string,
    spec: { factorType: string; provider: string; status?: string; profile?: Record<string, string> },
  ): string {
    const prefix = spec.factorType === 'push' ? 'opf' : spec.factorType === 'sms' ? 'mbl' : 'ufs';
    const factor: FakeFactor = {
      id: `${prefix}${randomBytes(8).toString('hex')}`,
      factorType: spec.factorType,
      provider: spec.provider,
      vendorName: spec.provider,
      status: spec.status ?? 'ACTIVE',
      created: now(),
      lastUpdated: now(),
      profile: spec.profile ?? {},
    };
    this.enrolled.set(userId, [...(this.enrolled.get(userId) ?? []), factor]);
    return factor.id;
  }

  /**
   * What the employee will do with every push to this user from now on: answer at the `afterPolls`-th poll of its
   * transaction (the first by default), or never. Without a script a push waits forever.
   */
  employeeWill(userId: string, answer: EmployeeAnswer, afterPolls = 1): void {
    this.scripts.set(userId, { answer, afterPolls });
  }

  pushesTo(userId: string): FakePush[] {
    return this.pushes.filter((p) => p.userId === userId);
  }

  /**
   * `rest` is the path after `/api/v1/users/{userId}`; undefined when it is not a factors path. `denied` holds the
   * operations the caller's role may not do: 'factors' (list), 'verify' (push), 'poll'.
   */
  route(
    method: string,
    userId: string,
    rest: string,
    request: { body: unknown; userAgent: string; denied: ReadonlySet<string> },
  ): Answer | undefined {
    const m = /^\/factors(?:\/([^/]+)\/(verify|transactions\/([^/]+)))?$/.exec(rest);
    if (!m) return undefined;
    const [, factorId, action, transactionId] = m;
    const forbidden = this.oktaError(403, 'E0000006', 'You do not have permission to perform the requested action');
    const factors = this.enrolled.get(userId) ?? [];
    if (!factorId) {
      if (method !== 'GET')
        return this.oktaError(405, 'E0000022', 'The endpoint does not support the provided HTTP method');
      if (request.denied.has('factors')) return forbidden;
      return { status: 200, body: factors.map((f) => this.factorJson(userId, f)) };
    }
    const factor = factors.find((f) => f.id === factorId);
    if (!factor) return this.oktaError(404, 'E0000007', `Not found: Resource not found: ${factorId} (UserFactor)`);
    if (action === 'verify' && method === 'POST') {
      if (request.denied.has('verify')) return forbidden;
      if (factor.factorType !== 'push' || factor.status !== 'ACTIVE') {
        return this.oktaError(400, 'E0000001', 'Api validation failed: factor');
      }
      const push: FakePush = {
        transactionId: `v2mst.${randomBytes(12).toString('base64url')}`,
        userId,
        factorId,
        userAgent: request.userAgent,
        body: request.body,
        polls: 0,
        result: 'WAITING',
      };
      this.pushes.push(push);
      return {
        status: 201,
        body: { expiresAt: expiresAt(), factorResult: 'WAITING', _links: this.waitingLinks(push) },
      };
    }
    if (transactionId && method === 'GET') {
      if (request.denied.has('poll')) return forbidden;
      const push = this.pushes.find((p) => p.transactionId === transactionId && p.factorId === factorId);
      if (!push)
        return this.oktaError(404, 'E0000007', `Not found: Resource not found: ${transactionId} (Transaction)`);
      push.polls += 1;
      const script = this.scripts.get(userId);
      if (push.result === 'WAITING' && script && script.answer !== 'ignore' && push.polls >= script.afterPolls) {
        push.result = RESULT_OF[script.answer];
      }
      return { status: 200, body: this.transactionJson(push, factor) };
    }
    return this.oktaError(405, 'E0000022', 'The endpoint does not support the provided HTTP method');
  }

  private factorJson(userId: string, f: FakeFactor) {
    const self = `${this.baseUrl()}/api/v1/users/${userId}/factors/${f.id}`;
    return {
      ...f,
      _links: {
        verify: link(`${self}/verify`, 'POST'),
        self: link(self, 'GET', 'DELETE'),
        user: link(`${this.baseUrl()}/api/v1/users/${userId}`, 'GET'),
      },
    };
  }

  private factorUrl(push: FakePush): string {
    return `${this.baseUrl()}/api/v1/users/${push.userId}/factors/${push.factorId}`;
  }

  /** While the push waits: where to poll it, and (not used by the bot) where to cancel it. */
  private waitingLinks(push: FakePush) {
    const transaction = `${this.factorUrl(push)}/transactions/${push.transactionId}`;
    return { poll: link(transaction, 'GET'), cancel: link(transaction, 'DELETE') };
  }

  /** A poll's answer for each result, as in Okta's examples (SUCCESS carries nothing else). */
  private transactionJson(push: FakePush, factor: FakeFactor): Record<string, unknown> {
    const factorUrl = this.factorUrl(push);
    const profile = { credentialId: factor.profile.credentialId };
    if (push.result === 'SUCCESS') return { factorResult: 'SUCCESS' };
    if (push.result === 'WAITING') {
      return { expiresAt: expiresAt(), factorResult: 'WAITING', profile, _links: this.waitingLinks(push) };
    }
    return {
      factorResult: push.result,
      profile,
      _links: { verify: link(`${factorUrl}/verify`, 'POST'), factor: link(factorUrl, 'GET', 'DELETE') },
    };
  }
}
