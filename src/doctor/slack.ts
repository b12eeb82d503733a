import { webApi } from '@slack/bolt';
import type { Config } from '../config/index.js';
import { transportReason } from '../lib/transport-reason.js';
import { type CheckResult, fail, pass, skip } from './check.js';

/**
 * The bot scopes manifest.yml asks for, each with what stops working without it: the one list in the code, kept
 * equal to the manifest's by a unit test (the manifest itself is not shipped with the bot, so doctor cannot read it).
 */
export const BOT_SCOPES = {
  commands: '/resetpw itself',
  'usergroups:read': 'the admin check, so every /resetpw is refused',
  'im:write':
    "every DM: the admin's later notices (delivery, the employee's change, expiry, interruptions) and the employee's Slack DM",
  'chat:write': 'every message the bot posts: those DMs and the audit channel (AUDIT_CHANNEL_ID)',
  'users:read': "/resetpw @user and the employee's Slack DM (Slack grants users:read.email only with it)",
  'users:read.email': "the employee's Slack DM and /resetpw @user",
} as const satisfies Record<string, string>;

export const MANIFEST_BOT_SCOPES = Object.keys(BOT_SCOPES) as (keyof typeof BOT_SCOPES)[];

const TIMEOUT_MS = 10_000;
const REINSTALL = 'reinstall the app to the workspace (api.slack.com/apps → your app → Install App)';

/** The Slack lines: the bot token and its scopes, the admin group, and the Socket Mode token. */
export async function slackChecks(slack: Config['slack']): Promise<CheckResult[]> {
  const bot = client(slack.botToken, slack.apiUrl);
  const [token, group, socket] = await Promise.all([
    tokenAndScopes(bot),
    adminGroup(bot, slack.adminGroupId),
    socketToken(slack),
  ]);
  return [...token, group, socket];
}

function client(token: string, apiUrl: string | undefined): webApi.WebClient {
  return new webApi.WebClient(token, {
    ...(apiUrl ? { slackApiUrl: `${apiUrl}/` } : {}),
    // One attempt each, quickly: a report, not a service that must ride out a blip.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: TIMEOUT_MS,
    logger: SILENT,
  });
}

async function tokenAndScopes(bot: webApi.WebClient): Promise<CheckResult[]> {
  const title = 'Slack bot token';
  let result: webApi.AuthTestResponse;
  try {
    result = await bot.auth.test();
  } catch (err) {
    const failed = describeSlackError(err);
    const fix =
      failed.error === 'invalid_auth' || failed.error === 'not_authed' || failed.error === 'token_revoked'
        ? `copy the Bot User OAuth Token (xoxb-…) again into SLACK_BOT_TOKEN, or ${REINSTALL}`
        : failed.fix;
    return [
      fail('slack_token', title, `auth.test failed: ${failed.text}`, fix),
      skip('slack_scopes', 'Slack scopes', 'not checked: the token did not work'),
    ];
  }
  const who = `workspace ${JSON.stringify(result.team ?? '?')} (${result.team_id ?? '?'}) as @${result.user ?? '?'}`;
  const granted = result.response_metadata?.scopes;
  const scopesTitle = 'Slack scopes';
  let scopes: CheckResult;
  if (!granted) {
    scopes = fail(
      'slack_scopes',
      scopesTitle,
      'Slack did not say which scopes the token has',
      'check SLACK_BOT_TOKEN is a bot token of this app',
    );
  } else {
    const missing = MANIFEST_BOT_SCOPES.filter((s) => !granted.includes(s));
    scopes =
      missing.length === 0
        ? pass(
            'slack_scopes',
            scopesTitle,
            `the token has every scope manifest.yml asks for (${MANIFEST_BOT_SCOPES.join(', ')})`,
          )
        : fail(
            'slack_scopes',
            scopesTitle,
            `the token lacks ${missing.map((scope) => `${scope} (${BOT_SCOPES[scope]})`).join('; ')}`,
            `add ${missing.join(', ')} under OAuth & Permissions → Bot Token Scopes (manifest.yml lists them all), then ${REINSTALL}`,
          );
  }
  return [pass('slack_token', title, `accepted: ${who}`), scopes];
}

async function adminGroup(bot: webApi.WebClient, groupId: string): Promise<CheckResult> {
  const title = 'Admin user group';
  try {
    const result = await bot.usergroups.users.list({ usergroup: groupId });
    const members = result.users?.length ?? 0;
    return members > 0
      ? pass('admin_group', title, `${groupId} has ${members} member${members === 1 ? '' : 's'}`)
      : fail(
          'admin_group',
          title,
          `${groupId} has no members: nobody could use /resetpw`,
          'add the IT admins to the group in Slack (People → User groups)',
        );
  } catch (err) {
    const failed = describeSlackError(err);
    const fix =
      failed.error === 'no_such_subteam'
        ? 'set SLACK_ADMIN_GROUP_ID to the ID of an existing group (S…; from the group’s page, not its @handle)'
        : failed.error === 'missing_scope'
          ? `add usergroups:read under OAuth & Permissions, then ${REINSTALL}`
          : failed.fix;
    const detail =
      failed.error === 'no_such_subteam'
        ? `${groupId} is not a user group of this workspace (no_such_subteam)`
        : `usergroups.users.list failed: ${failed.text}`;
    return fail('admin_group', title, detail, fix);
  }
}

async function socketToken(slack: Config['slack']): Promise<CheckResult> {
  const title = 'Socket Mode token';
  if (slack.mode !== 'socket' || !slack.appToken) {
    return skip(
      'socket_token',
      title,
      'SLACK_MODE=http: Slack signs each request with SLACK_SIGNING_SECRET, which cannot be checked from here (a wrong one shows as 401 answers in the log)',
    );
  }
  try {
    // Asks for a connection URL, which proves the token; nothing connects to it.
    await client(slack.appToken, slack.apiUrl).apps.connections.open();
    return pass('socket_token', title, 'SLACK_APP_TOKEN accepted (apps.connections.open)');
  } catch (err) {
    const failed = describeSlackError(err);
    return fail(
      'socket_token',
      title,
      `apps.connections.open failed: ${failed.text}`,
      failed.error
        ? 'create an app-level token with the connections:write scope (Basic Information → App-Level Tokens) and set SLACK_APP_TOKEN; Socket Mode must be on'
        : failed.fix,
    );
  }
}

/** A WebClient error as a Slack error code (when Slack answered) or a transport reason, and a default fix. */
function describeSlackError(err: unknown): { error?: string; text: string; fix: string } {
  const e = err as { code?: string; data?: { error?: string; needed?: string }; statusCode?: number };
  if (e?.code === 'slack_webapi_platform_error' && e.data?.error) {
    const needed = e.data.needed ? ` (needs ${e.data.needed})` : '';
    return { error: e.data.error, text: `${e.data.error}${needed}`, fix: `see docs.slack.dev for ${e.data.error}` };
  }
  if (e?.code === 'slack_webapi_rate_limited_error') {
    return { text: 'rate limited by Slack', fix: 'run doctor again in a minute' };
  }
  if (e?.code === 'slack_webapi_http_error') {
    return { text: `HTTP ${e.statusCode ?? 'error'}`, fix: 'check status.slack.com, then run doctor again' };
  }
  return {
    text: `could not reach Slack (${transportReason(err)})`,
    fix: 'check this host can reach slack.com over HTTPS (proxy, firewall, DNS)',
  };
}

const SILENT = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => webApi.LogLevel.ERROR,
  setName: () => undefined,
};
