import { Agent, request } from 'node:http';
import { HOME_ACTION_IDS } from '../../src/views/app-home.js';
import { ACTION_IDS, BLOCK_IDS } from '../../src/views/reset-modal.js';
import { VERIFY_IDS } from '../../src/views/verification-modal.js';
import { type FakeSlack, TEAM_ID } from './fake-slack.js';
import { slackHeaders } from './slack-signing.js';

/**
 * Plays the Slack side of a conversation with the app: slash commands and modal submissions, delivered
 * either as signed HTTP requests (http mode) or as Socket Mode envelopes (socket mode).
 */

export interface Delivery {
  readonly status: number;
  /** The ack body: '' for an empty ack, parsed JSON for a response_action. */
  readonly body: unknown;
  readonly ackMs: number;
  /** The app's own time to its answer, from its `Server-Timing: app;dur=` header (NaN without one). */
  readonly appMs: number;
}

export type Transport = (
  kind: 'command' | 'interactive' | 'event',
  payload: Record<string, unknown>,
) => Promise<Delivery>;

/** The body Slack posts for each kind: JSON for the Events API, form-encoded for commands and interactions. */
export function slackBody(kind: 'command' | 'interactive' | 'event', payload: Record<string, unknown>): string {
  return kind === 'event'
    ? JSON.stringify(payload)
    : kind === 'command'
      ? new URLSearchParams(payload as Record<string, string>).toString()
      : new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** Posts a signed body and resolves with the ack: its status, its body (parsed) and how long it took. */
export function postTimed(url: URL, agent: Agent, headers: Record<string, string>, raw: string): Promise<Delivery> {
  return new Promise<Delivery>((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { method: 'POST', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const ackMs = performance.now() - started;
        const text = Buffer.concat(chunks).toString('utf8');
        const appMs = Number(/\bapp;dur=([\d.]+)/.exec(String(res.headers['server-timing'] ?? ''))?.[1] ?? Number.NaN);
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : '', ackMs, appMs });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(raw);
  });
}

export function httpTransport(appUrl: string, signingSecret: string): Transport {
  // node:http with keep-alive rather than fetch: Slack's side of the wire should cost as little as possible,
  // so that what the benchmark measures is the app.
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL('/slack/events', appUrl);
  return (kind, payload) => {
    const raw = slackBody(kind, payload);
    const headers = {
      ...slackHeaders(signingSecret, raw),
      ...(kind === 'event' ? { 'Content-Type': 'application/json' } : {}),
    };
    return postTimed(url, agent, headers, raw);
  };
}

export function socketTransport(slack: FakeSlack, socket = 0): Transport {
  return async (kind, payload) => {
    const started = performance.now();
    const type = kind === 'command' ? 'slash_commands' : kind === 'event' ? 'events_api' : 'interactive';
    const ack = await slack.sendEnvelope(type, payload, socket);
    const ackMs = performance.now() - started;
    const empty = !ack || (typeof ack === 'object' && Object.keys(ack).length === 0);
    return { status: 200, body: empty ? '' : ack, ackMs, appMs: Number.NaN };
  };
}

export interface FormInput {
  readonly name?: string;
  readonly code?: string;
  readonly phone?: string;
  readonly reason?: string;
  /** The confirmation's verification choice (`code`, `skip`, or anything a forger sends). */
  readonly verifyMethod?: string;
  /** What the admin types in the code step. */
  readonly verifyCode?: string;
}

export interface CommandResult extends Delivery {
  readonly triggerId: string;
  readonly responseUrl: string;
}

export class SlackDriver {
  constructor(
    readonly slack: FakeSlack,
    private readonly transport: Transport,
  ) {}

  async command(
    userId: string,
    options: { channelId?: string; triggerIssuedAt?: number; text?: string } = {},
  ): Promise<CommandResult> {
    const triggerId = this.slack.issueTrigger(userId, options.triggerIssuedAt);
    const responseUrl = this.slack.newResponseUrl();
    const delivery = await this.transport(
      'command',
      slashCommandPayload({ userId, triggerId, responseUrl, ...options }),
    );
    return { ...delivery, triggerId, responseUrl };
  }

  /** The user opens the bot's App Home (`tab`: the Home tab, or the Messages tab). */
  homeOpened(userId: string, tab: 'home' | 'messages' = 'home'): Promise<Delivery> {
    return this.transport('event', appHomeOpenedPayload(userId, tab));
  }

  /** The user closes the modal (Cancel, or the x): Slack sends view_closed for a view with notify_on_close. */
  closeView(userId: string) {
    const stored = this.slack.lastViewFor(userId);
    if (!stored) throw new Error(`no modal open for ${userId}`);
    return this.transport('interactive', {
      type: 'view_closed',
      team: { id: TEAM_ID, domain: 'resetpw-test' },
      user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: TEAM_ID },
      api_app_id: 'A0RESETPW',
      token: 'deprecated-verification-token',
      view: { ...stored.view, id: stored.id, team_id: TEAM_ID },
      is_cleared: false,
      is_enterprise_install: false,
      enterprise: null,
    });
  }

  /** The user presses a button of a message in their DM (the approval question's). */
  pressMessageButton(userId: string, button: { actionId: string; value: string; channel: string; ts: string }) {
    return this.transport('interactive', messageButtonPayload(userId, button));
  }

  /** The user presses the App Home's "Reset a password" button (with a fresh trigger_id, as Slack gives). */
  async homeButton(userId: string, options: { triggerIssuedAt?: number } = {}): Promise<CommandResult> {
    const triggerId = this.slack.issueTrigger(userId, options.triggerIssuedAt);
    const delivery = await this.transport('interactive', homeButtonPayload(userId, triggerId));
    return { ...delivery, triggerId, responseUrl: '' };
  }

  /**
   * Submits the modal Slack holds for `userId` (or `viewId`) with the given field values. An ack with
   * `response_action: update` replaces the modal, as Slack does (same view id), so the next submit is the next step.
   */
  async submit(
    userId: string,
    input: FormInput,
    /** `view`: replay a form as it was when first submitted, whatever the modal shows now. */
    options: { viewId?: string; privateMetadata?: string; view?: Record<string, unknown> } = {},
  ) {
    const stored = options.viewId ? this.slack.views.get(options.viewId) : this.slack.lastViewFor(userId);
    if (!stored) throw new Error(`no modal open for ${userId}`);
    const delivery = await this.transport(
      'interactive',
      viewSubmissionPayload(userId, stored.id, options.view ?? stored.view, input, options.privateMetadata),
    );
    const ack = delivery.body as { response_action?: string; view?: Record<string, unknown> } | '';
    if (ack && ack.response_action === 'update' && ack.view) stored.view = ack.view;
    return delivery;
  }
}

export function slashCommandPayload(o: {
  userId: string;
  triggerId: string;
  responseUrl: string;
  channelId?: string;
  text?: string;
}) {
  return {
    token: 'deprecated-verification-token',
    team_id: TEAM_ID,
    team_domain: 'resetpw-test',
    channel_id: o.channelId ?? 'C0HELPDESK',
    channel_name: 'it-helpdesk',
    user_id: o.userId,
    user_name: o.userId.toLowerCase(),
    command: '/resetpw',
    text: o.text ?? '',
    api_app_id: 'A0RESETPW',
    is_enterprise_install: 'false',
    response_url: o.responseUrl,
    trigger_id: o.triggerId,
  };
}

export function viewSubmissionPayload(
  userId: string,
  viewId: string,
  view: Record<string, unknown>,
  input: FormInput,
  privateMetadata?: string,
) {
  const value = (v: string | undefined) => ({ type: 'plain_text_input', value: v ?? null });
  // Slack sends state for the input blocks the view has, and only those.
  const blocks = (view.blocks as { type?: string; block_id?: string }[] | undefined) ?? [];
  const inputs = new Set(blocks.filter((b) => b.type === 'input').map((b) => b.block_id));
  const fields = (Object.keys(BLOCK_IDS) as (keyof typeof BLOCK_IDS)[]).filter((k) => inputs.has(BLOCK_IDS[k]));
  return {
    type: 'view_submission',
    team: { id: TEAM_ID, domain: 'resetpw-test' },
    user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: TEAM_ID },
    api_app_id: 'A0RESETPW',
    token: 'deprecated-verification-token',
    trigger_id: `${Date.now()}.submit`,
    view: {
      ...view,
      id: viewId,
      team_id: TEAM_ID,
      private_metadata: privateMetadata ?? view.private_metadata,
      state: {
        values: {
          ...Object.fromEntries(fields.map((k) => [BLOCK_IDS[k], { [ACTION_IDS[k]]: value(input[k]) }])),
          ...(inputs.has(VERIFY_IDS.methodBlock)
            ? {
                [VERIFY_IDS.methodBlock]: {
                  [VERIFY_IDS.methodAction]: {
                    type: 'radio_buttons',
                    selected_option: input.verifyMethod ? { value: input.verifyMethod } : null,
                  },
                },
              }
            : {}),
          ...(inputs.has(VERIFY_IDS.codeBlock)
            ? { [VERIFY_IDS.codeBlock]: { [VERIFY_IDS.codeAction]: value(input.verifyCode) } }
            : {}),
        },
      },
      hash: `${Date.now()}.${viewId}`,
      app_id: 'A0RESETPW',
      bot_id: 'B0BOT',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** What Slack sends when a user opens the app's Home or Messages tab (Events API, event_callback). */
export function appHomeOpenedPayload(userId: string, tab: 'home' | 'messages') {
  const now = Date.now() / 1000;
  return {
    token: 'deprecated-verification-token',
    team_id: TEAM_ID,
    api_app_id: 'A0RESETPW',
    event: { type: 'app_home_opened', user: userId, channel: `D${userId.slice(1)}`, tab, event_ts: now.toFixed(6) },
    type: 'event_callback',
    event_id: `Ev${Math.floor(now * 1000)}`,
    event_time: Math.floor(now),
    authorizations: [{ team_id: TEAM_ID, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}

/** A press of the App Home's button: a block_actions payload from a Home view, without a response_url. */
export function homeButtonPayload(userId: string, triggerId: string) {
  return {
    type: 'block_actions',
    user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: TEAM_ID },
    api_app_id: 'A0RESETPW',
    token: 'deprecated-verification-token',
    container: { type: 'view', view_id: 'V0HOME0001' },
    trigger_id: triggerId,
    team: { id: TEAM_ID, domain: 'resetpw-test' },
    enterprise: null,
    is_enterprise_install: false,
    view: { id: 'V0HOME0001', type: 'home', team_id: TEAM_ID, blocks: [], private_metadata: '', callback_id: '' },
    actions: [
      {
        type: 'button',
        action_id: HOME_ACTION_IDS.reset,
        block_id: 'home_actions',
        text: { type: 'plain_text', text: 'Reset a password' },
        action_ts: (Date.now() / 1000).toFixed(6),
      },
    ],
  };
}

/** A press of a button in a message (a DM from the bot): a block_actions payload from a message container. */
export function messageButtonPayload(
  userId: string,
  b: { actionId: string; value: string; channel: string; ts: string },
) {
  return {
    type: 'block_actions',
    user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: TEAM_ID },
    api_app_id: 'A0RESETPW',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: b.ts, channel_id: b.channel, is_ephemeral: false },
    trigger_id: `${Date.now()}.button`,
    team: { id: TEAM_ID, domain: 'resetpw-test' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: b.channel, name: 'directmessage' },
    message: { type: 'message', ts: b.ts, text: '' },
    response_url: 'https://hooks.slack.com/actions/T0/1/fake',
    actions: [
      {
        type: 'button',
        action_id: b.actionId,
        block_id: 'verify_answer',
        value: b.value,
        text: { type: 'plain_text', text: 'button' },
        action_ts: (Date.now() / 1000).toFixed(6),
      },
    ],
  };
}
