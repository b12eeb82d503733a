import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MANIFEST_BOT_SCOPES } from '../../src/doctor/slack.js';

const root = join(import.meta.dirname, '..', '..');
const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8'));
// Vendored from slackapi/manifest-schema (MIT, see test/fixtures/LICENSE.slack-manifest-schema).
const schema = JSON.parse(readFileSync(join(root, 'test/fixtures/slack-app-manifest.schema.1.0.0.json'), 'utf8'));

/** Bot scopes each Web API method needs (docs.slack.dev/reference/methods). */
const METHOD_SCOPES: Record<string, string | readonly string[] | null> = {
  'usergroups.users.list': 'usergroups:read',
  'views.open': null,
  'views.update': null,
  'views.publish': null,
  // The email is on the profile only with users:read.email.
  'users.info': ['users:read', 'users:read.email'],
  'auth.test': null,
  'conversations.open': 'im:write',
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  // Slack grants users:read.email only together with users:read.
  'users.lookupByEmail': ['users:read', 'users:read.email'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('manifest.yml', () => {
  it("validates against Slack's manifest JSON Schema", () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check has teeth', () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    const broken = structuredClone(manifest);
    broken.features.slash_commands[0].command = 'resetpw';
    expect(validate(broken)).toBe(false);
  });

  it('declares the command, interactivity and socket mode', () => {
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toEqual(['/resetpw']);
    // `/resetpw @jane` reaches the bot as <@U…|jane> only when Slack escapes users.
    expect(manifest.features.slash_commands[0].should_escape).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
  });

  it('declares the App Home: its Home tab, its opening event, and the Messages tab the DMs arrive in', () => {
    expect(manifest.features.app_home).toEqual({
      home_tab_enabled: true,
      messages_tab_enabled: true,
      // The bot reads no replies.
      messages_tab_read_only_enabled: true,
    });
    expect(manifest.settings.event_subscriptions).toEqual({ bot_events: ['app_home_opened'] });
    // The DMs (conversations.open) and finding a Slack user's email (users.info, users.lookupByEmail).
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['im:write', 'users:read.email']));
  });

  it('asks for exactly the scopes the code uses', () => {
    const calls = new Set<string>();
    for (const file of sourceFiles(join(root, 'src'))) {
      const source = readFileSync(file, 'utf8');
      // The Twilio and Okta clients' calls are not Slack methods.
      if (source.includes("from 'twilio'") || source.includes("from '@okta/okta-sdk-nodejs'")) continue;
      for (const m of source.matchAll(/client\.(\w+)\.(\w+)(?:\.(\w+))?\(/g)) {
        calls.add([m[1], m[2], m[3]].filter(Boolean).join('.'));
      }
    }
    expect([...calls].sort()).toEqual([
      'chat.postMessage',
      'chat.update',
      'conversations.open',
      'usergroups.users.list',
      'users.info',
      'users.lookupByEmail',
      'views.open',
      'views.publish',
      'views.update',
    ]);
    const needed = new Set(['commands']);
    for (const method of calls) {
      expect(method in METHOD_SCOPES, `unknown scope for ${method}`).toBe(true);
      const scope = METHOD_SCOPES[method];
      for (const s of typeof scope === 'string' ? [scope] : (scope ?? [])) needed.add(s);
    }
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
  });

  it('is what `resetpw doctor` checks a token against', () => {
    expect([...MANIFEST_BOT_SCOPES].sort()).toEqual([...manifest.oauth_config.scopes.bot].sort());
  });
});
