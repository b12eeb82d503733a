import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';
import { close, listen, readBody, sendJson, sleep } from './http-util.js';

/**
 * A local stand-in for Slack: the Web API (form-encoded POSTs under /api/), response_url endpoints and a
 * Socket Mode WebSocket. Every call is recorded with its raw body for assertions.
 */

export interface SlackCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
  readonly raw: string;
  readonly token: string | undefined;
  readonly at: number;
  /** performance.now() on arrival, for latency measurements within one process. */
  readonly arrivedAt: number;
}

export interface ResponseUrlPost {
  readonly id: string;
  readonly contentType: string | undefined;
  readonly body: Record<string, unknown>;
  readonly raw: string;
  readonly at: number;
}

/** One injected failure: a Slack error code, an HTTP status (429 with Retry-After) or a delay. */
export interface Fault {
  readonly error?: string;
  readonly status?: number;
  readonly retryAfter?: number;
  readonly delayMs?: number;
  /** How many calls it applies to (default 1). */
  readonly times?: number;
}

interface StoredView {
  readonly id: string;
  readonly userId: string;
  view: Record<string, unknown>;
}

export const TEAM_ID = 'T0RESETPW';
const JSON_FIELDS = new Set(['view', 'blocks', 'attachments']);

export class FakeSlack {
  readonly calls: SlackCall[] = [];
  readonly responses: ResponseUrlPost[] = [];
  readonly views = new Map<string, StoredView>();
  /** Channel messages as they stand now (chat.update applied), keyed by channel and ts. */
  readonly messages = new Map<string, { channel: string; ts: string; text: string }>();
  readonly usergroups = new Map<string, string[]>();
  /** Each user's App Home as last published (views.publish). */
  readonly homes = new Map<string, Record<string, unknown>>();
  /** Every message the app sent over the Socket Mode connection (acks included). */
  readonly socketMessages: string[] = [];
  /**
   * The bot token's scopes, sent on every Web API answer as `x-oauth-scopes` (Slack does the same). Without
   * users:read.email, users.lookupByEmail answers `missing_scope` as Slack does.
   */
  scopes = ['commands', 'usergroups:read', 'im:write', 'chat:write', 'users:read', 'users:read.email'];
  /** Members with no email on their profile (a bot, a guest from another organisation), for users.info. */
  readonly usersWithoutEmail = new Map<string, { id: string; name: string; isBot: boolean }>();
  /** Workspace members by email, lower-cased (users.lookupByEmail); see addUser. */
  readonly usersByEmail = new Map<string, { id: string; email: string; name: string; deleted: boolean }>();
  /** Whether answers carry `x-oauth-scopes` at all (Slack sends it to bot tokens; a proxy could strip it). */
  scopesHeader = true;
  /** Tokens Slack no longer accepts (revoked, or never issued): every call with one answers `invalid_auth`. */
  readonly rejectedTokens = new Set<string>();
  /** Added to every Web API answer (benchmarks inject network latency with it). */
  latencyMs = 0;
  triggerTtlMs = 3000;
  responseUrlStatus = 200;
  url = '';
  /** Requests received but not yet answered (the benchmark waits for 0 so measurements never overlap). */
  pending = 0;
  private readonly faults = new Map<string, Fault[]>();
  private readonly triggers = new Map<string, { userId: string; issuedAt: number; used: boolean }>();
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<WebSocket>();
  private readonly pendingAcks = new Map<string, (payload: unknown) => void>();
  private seq = 0;

  constructor() {
    this.server = createServer((req, res) => {
      this.pending++;
      res.on('close', () => this.pending--);
      this.handle(req, res).catch((err) => sendJson(res, 500, { ok: false, error: String(err) }));
    });
    this.server.on('upgrade', (req, socket, head) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
  }

  get apiUrl(): string {
    return `${this.url}/api`;
  }

  async start(): Promise<this> {
    this.url = await listen(this.server);
    return this;
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    await close(this.server);
  }

  setGroup(groupId: string, members: string[]): void {
    this.usergroups.set(groupId, members);
  }

  /** A member of the workspace, found by users.lookupByEmail (whatever the case of the address asked for). */
  addUser(id: string, email: string, options: { name?: string; deleted?: boolean } = {}): void {
    this.usersByEmail.set(email.toLowerCase(), {
      id,
      email,
      name: options.name ?? email.split('@')[0] ?? id,
      deleted: options.deleted ?? false,
    });
  }

  failNext(method: string, fault: Fault): void {
    const queue = this.faults.get(method) ?? [];
    for (let i = 0; i < (fault.times ?? 1); i++) queue.push(fault);
    this.faults.set(method, queue);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  issueTrigger(userId: string, issuedAt = Date.now()): string {
    const id = `${++this.seq}.${Date.now()}.${randomBytes(8).toString('hex')}`;
    this.triggers.set(id, { userId, issuedAt, used: false });
    return id;
  }

  newResponseUrl(): string {
    return `${this.url}/response/${++this.seq}`;
  }

  /** Everything the app ever sent to Slack, as raw text: for "the secret never reached Slack" assertions. */
  get everythingReceived(): string {
    return [...this.calls.map((c) => c.raw), ...this.responses.map((r) => r.raw), ...this.socketMessages].join('\n');
  }

  /** The messages in a channel as a reader sees them now, oldest first. */
  channelHistory(channel: string): string[] {
    return [...this.messages.values()].filter((m) => m.channel === channel).map((m) => m.text);
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** The modal most recently opened for this user, as Slack would hold it. */
  lastViewFor(userId: string): StoredView | undefined {
    return [...this.views.values()].filter((v) => v.userId === userId).at(-1);
  }

  // ---- Socket Mode ---------------------------------------------------------------------------------------

  get socketCount(): number {
    return this.sockets.size;
  }

  /**
   * Pushes an envelope to the connected app and resolves with the payload of its ack. `socket` picks one of
   * several connections (replicas), in the order they connected.
   */
  sendEnvelope(type: 'slash_commands' | 'interactive' | 'events_api', payload: unknown, socket = 0): Promise<unknown> {
    const ws = [...this.sockets][socket];
    if (!ws) return Promise.reject(new Error('no Socket Mode connection'));
    const envelopeId = randomBytes(8).toString('hex');
    const acked = new Promise<unknown>((resolve) => this.pendingAcks.set(envelopeId, resolve));
    ws.send(JSON.stringify({ envelope_id: envelopeId, type, accepts_response_payload: true, payload }));
    return acked;
  }

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('message', (data) => {
      this.socketMessages.push(String(data));
      const msg = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
      if (!msg.envelope_id) return;
      this.pendingAcks.get(msg.envelope_id)?.(msg.payload ?? {});
      this.pendingAcks.delete(msg.envelope_id);
    });
    ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0RESETPW' } }));
  }

  // ---- HTTP ----------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAt = performance.now();
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const raw = await readBody(req);
    if (path.startsWith('/response/')) {
      this.responses.push({
        id: path.slice('/response/'.length),
        contentType: req.headers['content-type'],
        body: JSON.parse(raw) as Record<string, unknown>,
        raw,
        at: Date.now(),
      });
      res.writeHead(this.responseUrlStatus, { 'Content-Type': 'text/plain' });
      res.end(this.responseUrlStatus === 200 ? 'ok' : 'error');
      return;
    }
    if (!path.startsWith('/api/')) {
      sendJson(res, 404, { ok: false, error: 'not_found' });
      return;
    }
    const method = path.slice('/api/'.length);
    const args: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(raw)) args[k] = JSON_FIELDS.has(k) ? JSON.parse(v) : v;
    const auth = req.headers.authorization;
    this.calls.push({ method, args, raw, token: auth?.replace(/^Bearer /, ''), at: Date.now(), arrivedAt });

    if (this.latencyMs > 0) await sleep(this.latencyMs);
    const fault = this.faults.get(method)?.shift();
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.status === 429) {
      sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'Retry-After': String(fault.retryAfter ?? 1) });
      return;
    }
    if (fault?.status) {
      sendJson(res, fault.status, { ok: false, error: 'fake_http_error' });
      return;
    }
    if (fault?.error) {
      sendJson(res, 200, { ok: false, error: fault.error });
      return;
    }
    const token = auth?.replace(/^Bearer /, '') ?? '';
    if (!token || this.rejectedTokens.has(token)) {
      sendJson(res, 200, { ok: false, error: token ? 'invalid_auth' : 'not_authed' });
      return;
    }
    const scopes: Record<string, string> =
      token.startsWith('xoxb-') && this.scopesHeader ? { 'x-oauth-scopes': this.scopes.join(',') } : {};
    sendJson(res, 200, this.answer(method, args), scopes);
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://resetpw-test.slack.com/',
          team: 'Test',
          user: 'resetpw',
          team_id: TEAM_ID,
          user_id: 'U0BOT',
          bot_id: 'B0BOT',
        };
      case 'apps.connections.open':
        return { ok: true, url: `${this.url.replace('http', 'ws')}/link/?ticket=${++this.seq}` };
      case 'usergroups.users.list': {
        const members = this.usergroups.get(String(args.usergroup));
        return members ? { ok: true, users: members } : { ok: false, error: 'no_such_subteam' };
      }
      case 'users.info':
        return this.userInfo(String(args.user ?? ''));
      case 'users.lookupByEmail':
        return this.lookupByEmail(String(args.email ?? ''));
      case 'views.open':
        return this.openView(String(args.trigger_id), args.view as Record<string, unknown>);
      case 'views.publish': {
        const view = args.view as Record<string, unknown>;
        const problem = homeViewProblem(view);
        if (problem) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: [problem] } };
        this.homes.set(String(args.user_id), view);
        return { ok: true, view: { ...view, id: `VH${String(args.user_id)}` } };
      }
      case 'views.update': {
        const stored = this.views.get(String(args.view_id));
        if (!stored) return { ok: false, error: 'not_found' };
        stored.view = args.view as Record<string, unknown>;
        return { ok: true, view: { ...stored.view, id: stored.id } };
      }
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(args.users).replace(/\W/g, '').slice(1)}` } };
      case 'chat.postMessage': {
        const ts = this.nextTs();
        const channel = String(args.channel);
        this.messages.set(`${channel}/${ts}`, { channel, ts, text: String(args.text ?? '') });
        return { ok: true, channel, ts, message: { ts, text: args.text } };
      }
      case 'chat.update': {
        const stored = this.messages.get(`${String(args.channel)}/${String(args.ts)}`);
        if (!stored) return { ok: false, error: 'message_not_found' };
        stored.text = String(args.text ?? '');
        return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  /**
   * Slack's answers (docs.slack.dev/reference/methods/users.info): users:read is needed, and the profile's email is
   * only there with users:read.email too (left out silently otherwise); an id nobody has is `user_not_found`.
   */
  private userInfo(id: string): Record<string, unknown> {
    if (!this.scopes.includes('users:read')) {
      return { ok: false, error: 'missing_scope', needed: 'users:read', provided: this.scopes.join(',') };
    }
    const withEmail = [...this.usersByEmail.values()].find((u) => u.id === id);
    const other = this.usersWithoutEmail.get(id);
    if (!withEmail && !other) return { ok: false, error: 'user_not_found' };
    const name = withEmail?.name ?? other?.name ?? id;
    const email = withEmail && this.scopes.includes('users:read.email') ? { email: withEmail.email } : {};
    return {
      ok: true,
      user: {
        id,
        team_id: TEAM_ID,
        name: name.toLowerCase().replace(/\s+/g, '.'),
        deleted: withEmail?.deleted ?? false,
        real_name: name,
        is_bot: other?.isBot ?? false,
        profile: { real_name: name, display_name: name, team: TEAM_ID, ...email },
      },
    };
  }

  /**
   * Slack's answers (api.slack.com/methods/users.lookupByEmail): the scope is checked first and the answer names it
   * (`needed`, `provided`); an address no member has is `users_not_found`, and so is a deactivated member's.
   */
  private lookupByEmail(email: string): Record<string, unknown> {
    if (!this.scopes.includes('users:read.email')) {
      return { ok: false, error: 'missing_scope', needed: 'users:read.email', provided: this.scopes.join(',') };
    }
    const user = this.usersByEmail.get(email.toLowerCase());
    if (!user || user.deleted) return { ok: false, error: 'users_not_found' };
    return {
      ok: true,
      user: {
        id: user.id,
        team_id: TEAM_ID,
        name: user.name,
        deleted: false,
        real_name: user.name,
        is_bot: false,
        profile: { real_name: user.name, display_name: user.name, email: user.email, team: TEAM_ID },
      },
    };
  }

  /** Message timestamps are unique per channel in Slack; a counter keeps them unique here too. */
  private nextTs(): string {
    return `${Math.floor(Date.now() / 1000)}.${String(++this.seq).padStart(6, '0')}`;
  }

  private openView(triggerId: string, view: Record<string, unknown>): Record<string, unknown> {
    const trigger = this.triggers.get(triggerId);
    if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
    if (trigger.used) return { ok: false, error: 'exchanged_trigger_id' };
    if (Date.now() - trigger.issuedAt > this.triggerTtlMs) return { ok: false, error: 'expired_trigger_id' };
    trigger.used = true;
    const id = `V${String(++this.seq).padStart(8, '0')}`;
    this.views.set(id, { id, userId: trigger.userId, view });
    return { ok: true, view: { ...view, id, hash: `${Date.now()}.${id}`, state: { values: {} } } };
  }
}

/**
 * What Slack refuses in a published Home (docs.slack.dev, reference/block-kit): more than 100 blocks, a section or
 * context text over 3,000 characters, a header over 150, a block_id over 255 or used twice, or an empty text.
 */
export function homeViewProblem(view: Record<string, unknown>): string | undefined {
  if (view.type !== 'home') return 'view.type must be home';
  const blocks = (view.blocks ?? []) as {
    type?: string;
    block_id?: string;
    text?: { text?: string };
    elements?: { text?: string }[];
  }[];
  if (blocks.length > 100) return `${blocks.length} blocks (at most 100)`;
  const ids = new Set<string>();
  for (const b of blocks) {
    if (b.block_id !== undefined) {
      if (b.block_id.length > 255 || ids.has(b.block_id)) return `block_id ${b.block_id} too long or repeated`;
      ids.add(b.block_id);
    }
    const texts = [b.text?.text, ...(b.type === 'context' ? (b.elements ?? []).map((e) => e.text) : [])];
    const max = b.type === 'header' ? 150 : 3000;
    for (const t of texts) {
      if (t === undefined) continue;
      if (t.length === 0 || t.length > max) return `a ${b.type} text of ${t.length} characters (1 to ${max})`;
    }
  }
  return undefined;
}
