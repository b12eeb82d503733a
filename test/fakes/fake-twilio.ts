import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { close, listen, readBody, sendJson, sleep } from './http-util.js';

/**
 * A local stand-in for Twilio's Messages API: Basic auth, form bodies, spec-shaped 201 answers, error bodies
 * `{code, message, more_info, status}`, Twilio's test-credential magic numbers and a few project scenarios.
 * It also plays the employee's phone: `inbox(to)` is what arrived there.
 */

export const FAKE_ACCOUNT_SID = `AC${'a1'.repeat(16)}`;
export const FAKE_AUTH_TOKEN = 'fake_auth_token_0123456789';
export const FAKE_FROM = '+15005550006';

/** Twilio's magic `To` numbers (test credentials) and this project's own scenarios. */
export const MAGIC_TO = {
  invalid: '+15005550001', // 21211
  unroutable: '+15005550002', // 21612
  noInternationalPermission: '+15005550003', // 21408
  optedOut: '+15005550004', // 21610
  notMobile: '+15005550009', // 21614
  landline: '+15005550635', // 21635 (project scenario)
  rateLimited: '+15005550429', // 429 / 20429 (project scenario)
  serverError: '+15005550500', // 500 / 20500 (project scenario)
  slow: '+15005550555', // answers after `slowMs` (project scenario: timeouts)
} as const;

/**
 * Project scenarios for delivery: the send succeeds, then status fetches walk to these outcomes. Any other number
 * walks queued → sent → delivered, one step per fetch.
 */
export const DELIVERY_TO = {
  unreachable: '+15005553003', // undelivered, 30003
  unknownNumber: '+15005553005', // undelivered, 30005
  landline: '+15005553006', // undelivered, 30006
  filtered: '+15005553007', // undelivered, 30007
  expired: '+15005553036', // failed, 30036 (validity period passed)
  noReceipt: '+15005550777', // stays `sent`: the carrier never confirms
} as const;

export interface StatusStep {
  readonly status: string;
  readonly errorCode?: number;
}

const DELIVERY_SCRIPTS: Readonly<Record<string, StatusStep[]>> = {
  [DELIVERY_TO.unreachable]: [{ status: 'sent' }, { status: 'undelivered', errorCode: 30003 }],
  [DELIVERY_TO.unknownNumber]: [{ status: 'sent' }, { status: 'undelivered', errorCode: 30005 }],
  [DELIVERY_TO.landline]: [{ status: 'sent' }, { status: 'undelivered', errorCode: 30006 }],
  [DELIVERY_TO.filtered]: [{ status: 'sent' }, { status: 'undelivered', errorCode: 30007 }],
  [DELIVERY_TO.expired]: [{ status: 'failed', errorCode: 30036 }],
  [DELIVERY_TO.noReceipt]: [{ status: 'sent' }],
};
const DEFAULT_SCRIPT: StatusStep[] = [{ status: 'sent' }, { status: 'delivered' }];
/** Statuses after which a message has left Twilio, so its body may be redacted. */
const POST_FLIGHT = new Set(['sent', 'delivered', 'undelivered', 'failed', 'canceled']);

/** Twilio's magic `From` numbers. */
export const MAGIC_FROM = { invalid: '+15005550001', notOwned: '+15005550007', queueFull: '+15005550008' } as const;

export interface TwilioRequest {
  readonly method: string;
  readonly path: string;
  /** The query string, without its `?` ('' when none). */
  readonly query: string;
  readonly username: string | undefined;
  readonly params: Record<string, string>;
  /** The request's headers as received (lower-case names). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly raw: string;
  readonly at: number;
  /** performance.now() on arrival, for latency measurements within one process. */
  readonly arrivedAt: number;
}

export interface SentMessage {
  readonly sid: string;
  readonly to: string;
  /** What arrived on the phone (kept even after the copy at Twilio is redacted). */
  readonly body: string;
  readonly at: number;
}

/** Twilio's own record of a message: what fetch and update see. */
interface StoredMessage {
  readonly sid: string;
  readonly accountSid: string;
  readonly to: string;
  readonly from: string | null;
  readonly messagingServiceSid: string | null;
  body: string;
  status: string;
  errorCode: number | null;
  readonly script: StatusStep[];
  readonly created: string;
}

const TO_ERRORS: Record<string, [number, number, string]> = {
  [MAGIC_TO.invalid]: [400, 21211, "Invalid 'To' Phone Number"],
  [MAGIC_TO.unroutable]: [400, 21612, "The 'To' phone number is not currently reachable via SMS"],
  [MAGIC_TO.noInternationalPermission]: [400, 21408, 'Permission to send an SMS has not been enabled for the region'],
  [MAGIC_TO.optedOut]: [400, 21610, 'Attempt to send to unsubscribed recipient'],
  [MAGIC_TO.notMobile]: [400, 21614, "'To' number is not a valid mobile number"],
  [MAGIC_TO.landline]: [400, 21635, "'To' number cannot be a landline"],
  [MAGIC_TO.rateLimited]: [429, 20429, 'Too Many Requests'],
  [MAGIC_TO.serverError]: [500, 20500, 'Internal Server Error'],
};
const FROM_ERRORS: Record<string, [number, number, string]> = {
  [MAGIC_FROM.invalid]: [400, 21212, "Invalid 'From' Phone Number"],
  [MAGIC_FROM.notOwned]: [
    400,
    21606,
    "The 'From' phone number provided is not a valid message-capable Twilio phone number",
  ],
  [MAGIC_FROM.queueFull]: [400, 21611, "This 'From' number has exceeded the maximum number of queued messages"],
};

export class FakeTwilio {
  readonly requests: TwilioRequest[] = [];
  readonly sent: SentMessage[] = [];
  /** Credentials accepted by Basic auth (username → password). */
  readonly credentials = new Map<string, string>([[FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN]]);
  ownedNumbers = new Set<string>([FAKE_FROM]);
  /** Messaging Services of the account (MG… → friendly name). */
  readonly messagingServices = new Map<string, string>();
  /** What GET /Accounts/{sid}.json says: active, suspended or closed. */
  accountStatus = 'active';
  /** Accounts whose credentials are test credentials: only Messages work, anything else answers 403/20008. */
  readonly testAccounts = new Set<string>();
  latencyMs = 0;
  slowMs = 2000;
  url = '';
  /** Requests received but not yet answered (the benchmark waits for 0 so measurements never overlap). */
  pending = 0;
  /** Answers to the next status fetches, whatever the message (e.g. a 500 or 404), before its script goes on. */
  readonly fetchFaults: { status: number; code: number }[] = [];
  /** Answers to the next message creates (e.g. a 429), before anything is created; one per entry. */
  readonly createFaults: { status: number; code: number }[] = [];
  /** Answers the next Messages list requests with a 500 (one per entry). */
  readonly listFaults: true[] = [];
  /** A create to MAGIC_TO.slow answers late and creates nothing (the request was lost on Twilio's side). */
  loseSlowMessages = false;
  private readonly messages = new Map<string, StoredMessage>();
  private readonly scripts = new Map<string, StatusStep[]>(Object.entries(DELIVERY_SCRIPTS));
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      this.pending++;
      res.on('close', () => this.pending--);
      this.handle(req, res).catch((err) => sendJson(res, 500, { code: 20500, message: String(err), status: 500 }));
    });
  }

  async start(): Promise<this> {
    this.url = await listen(this.server);
    return this;
  }

  async stop(): Promise<void> {
    await close(this.server);
  }

  /** Messages create requests (each attempt, including ones answered with an error). */
  get createRequests(): TwilioRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && /\/Messages\.json$/.test(r.path));
  }

  inbox(to: string): SentMessage[] {
    return this.sent.filter((m) => m.to === to);
  }

  /** Status fetches (GET of one message). */
  get fetchRequests(): TwilioRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && /\/Messages\/SM[0-9a-f]{32}\.json$/.test(r.path));
  }

  /** Updates of one message (redactions send `Body=`). */
  get updateRequests(): TwilioRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && /\/Messages\/SM[0-9a-f]{32}\.json$/.test(r.path));
  }

  /** The body Twilio still holds for a message ('' once redacted). */
  storedBody(sid: string): string | undefined {
    return this.messages.get(sid)?.body;
  }

  /** Scripts the statuses later fetches of this number's messages walk through. */
  scriptDelivery(to: string, steps: StatusStep[]): void {
    this.scripts.set(to, steps);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAt = performance.now();
    const { pathname: path, search } = new URL(req.url ?? '/', 'http://x');
    const raw = await readBody(req);
    const params = Object.fromEntries(new URLSearchParams(raw));
    const [username, password] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
      .toString('utf8')
      .split(':');
    this.requests.push({
      method: req.method ?? '',
      path,
      query: search.slice(1),
      username,
      params,
      headers: { ...req.headers },
      raw,
      at: Date.now(),
      arrivedAt,
    });
    if (this.latencyMs > 0) await sleep(this.latencyMs);

    if (!username || this.credentials.get(username) !== password) {
      return error(res, 401, 20003, 'Authenticate');
    }
    const isMessages = /\/Messages(\/SM[0-9a-f]{32})?\.json$/.test(path);
    if (!isMessages && this.testAccounts.has(username)) {
      return error(res, 403, 20008, 'Resource not accessible with Test Account Credentials');
    }
    if (req.method === 'GET' && !isMessages) return this.accountResource(res, path, req.url ?? '/');
    const one = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\/(SM[0-9a-f]{32})\.json$/.exec(path);
    if (one) return this.oneMessage(req.method ?? '', res, one[2] as string, params);
    const match = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\.json$/.exec(path);
    if (match && req.method === 'GET') return this.listMessages(res, match[1] as string, path, search);
    if (!match || req.method !== 'POST') return error(res, 404, 20404, 'The requested resource was not found');
    return this.createMessage(res, match[1] as string, params);
  }

  /** The read-only resources `resetpw doctor` asks for: the account, its phone numbers, a Messaging Service. */
  private accountResource(res: ServerResponse, path: string, url: string): void {
    const account = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\.json$/.exec(path);
    if (account) {
      sendJson(res, 200, {
        sid: account[1],
        friendly_name: 'resetpw fake account',
        status: this.accountStatus,
        type: 'Full',
        date_created: 'Tue, 01 Sep 2026 00:00:00 +0000',
        uri: `/2010-04-01/Accounts/${account[1]}.json`,
      });
      return;
    }
    const numbers = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/IncomingPhoneNumbers\.json$/.exec(path);
    if (numbers) {
      const wanted = new URL(url, 'http://x').searchParams.get('PhoneNumber');
      const list = [...this.ownedNumbers].filter((n) => !wanted || n === wanted);
      sendJson(res, 200, {
        incoming_phone_numbers: list.map((n, i) => ({
          sid: `PN${String(i).padStart(32, '0')}`,
          account_sid: numbers[1],
          phone_number: n,
          friendly_name: n,
          capabilities: { sms: true, mms: false, voice: true, fax: false },
        })),
        page: 0,
        page_size: 50,
        start: 0,
        end: Math.max(0, list.length - 1),
        uri: path,
        first_page_uri: path,
        next_page_uri: null,
        previous_page_uri: null,
      });
      return;
    }
    const service = /^\/v1\/Services\/(MG[0-9a-f]{32})$/.exec(path);
    const name = service ? this.messagingServices.get(service[1] as string) : undefined;
    if (service && name !== undefined) {
      sendJson(res, 200, { sid: service[1], account_sid: FAKE_ACCOUNT_SID, friendly_name: name });
      return;
    }
    error(res, 404, 20404, 'The requested resource was not found');
  }

  /**
   * The Messages list, filtered as Twilio filters it by `To`, `From` and `DateSent>` (sent at or after; a message not
   * sent yet has no send date and is not listed by it), newest first, one page.
   */
  private listMessages(res: ServerResponse, accountSid: string, path: string, search: string): void {
    if (this.listFaults.shift()) {
      error(res, 500, 20500, 'Internal Server Error');
      return;
    }
    const q = new URLSearchParams(search);
    const to = q.get('To');
    const from = q.get('From');
    const after = q.get('DateSent>');
    const list = [...this.messages.values()]
      .filter((m) => m.accountSid === accountSid && (!to || m.to === to) && (!from || m.from === from))
      .filter((m) => !after || (POST_FLIGHT.has(m.status) && Date.parse(m.created) >= Date.parse(after)))
      .reverse();
    const uri = `${path}${search}`;
    sendJson(res, 200, {
      messages: list.map(toResource),
      page: 0,
      page_size: 50,
      start: 0,
      end: Math.max(0, list.length - 1),
      uri,
      first_page_uri: uri,
      next_page_uri: null,
      previous_page_uri: null,
    });
  }

  /** Messages list requests. */
  get listRequests(): TwilioRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && /\/Messages\.json$/.test(r.path));
  }

  /** GET walks the message one step along its script; POST with `Body=` redacts a message that has left. */
  private async oneMessage(method: string, res: ServerResponse, sid: string, p: Record<string, string>): Promise<void> {
    const message = this.messages.get(sid);
    if (!message) return error(res, 404, 20404, 'The requested resource was not found');
    if (method === 'GET') {
      const fault = this.fetchFaults.shift();
      if (fault) return error(res, fault.status, fault.code, 'Injected fault');
      const step = message.script.shift();
      if (step) {
        message.status = step.status;
        message.errorCode = step.errorCode ?? null;
      }
      return sendJson(res, 200, toResource(message));
    }
    if (method !== 'POST') return error(res, 405, 20004, 'Method not allowed');
    if (p.Body !== '')
      return error(res, 400, 30400, 'Message body redaction request does not have empty Body parameter');
    if (!POST_FLIGHT.has(message.status)) {
      return error(res, 400, 30400, 'The message has not left Twilio yet and cannot be redacted');
    }
    message.body = '';
    return sendJson(res, 200, toResource(message));
  }

  private async createMessage(res: ServerResponse, accountSid: string, p: Record<string, string>): Promise<void> {
    const fault = this.createFaults.shift();
    if (fault) return error(res, fault.status, fault.code, 'Injected fault');
    if (!p.To) return error(res, 400, 21604, "A 'To' phone number is required.");
    if (!p.From && !p.MessagingServiceSid) return error(res, 400, 21603, "A 'From' phone number is required.");
    if (!p.Body) return error(res, 400, 21602, 'Message body is required.');
    if (p.To === MAGIC_TO.slow) {
      await sleep(this.slowMs);
      if (this.loseSlowMessages) return error(res, 500, 20500, 'Internal Server Error');
    }
    if (p.From) {
      const fromError = FROM_ERRORS[p.From];
      if (fromError) return error(res, ...fromError);
      if (!this.ownedNumbers.has(p.From))
        return error(res, 400, 21606, "The 'From' number is not owned by this account");
    }
    const toError = TO_ERRORS[p.To];
    if (toError) return error(res, ...toError);

    const sid = `SM${randomBytes(16).toString('hex')}`;
    this.sent.push({ sid, to: p.To, body: p.Body, at: Date.now() });
    const message: StoredMessage = {
      sid,
      accountSid,
      to: p.To,
      from: p.From ?? null,
      messagingServiceSid: p.MessagingServiceSid ?? null,
      body: p.Body,
      status: p.MessagingServiceSid ? 'accepted' : 'queued',
      errorCode: null,
      script: [...(this.scripts.get(p.To) ?? DEFAULT_SCRIPT)],
      created: new Date().toUTCString().replace('GMT', '+0000'),
    };
    this.messages.set(sid, message);
    sendJson(res, 201, toResource(message));
  }
}

/** The message as Twilio's API shows it (the spec's `api.v2010.account.message`). */
function toResource(m: StoredMessage): Record<string, unknown> {
  return {
    account_sid: m.accountSid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: m.created,
    date_sent: POST_FLIGHT.has(m.status) ? m.created : null,
    date_updated: new Date().toUTCString().replace('GMT', '+0000'),
    direction: 'outbound-api',
    error_code: m.errorCode,
    error_message: m.errorCode === null ? null : `Error ${m.errorCode}`,
    from: m.from,
    messaging_service_sid: m.messagingServiceSid,
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: m.status,
    subresource_uris: { media: `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}/Media.json` },
    to: m.to,
    uri: `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}.json`,
  };
}

function error(res: ServerResponse, status: number, code: number, message: string): void {
  sendJson(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}
