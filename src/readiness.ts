import type { App } from '@slack/bolt';
import type { Config } from './config/index.js';
import type { ReadinessCheck } from './health.js';
import type { Directory } from './ports/index.js';
import { socketConnected } from './slack-app.js';
import type { Storage } from './storage.js';

/** What /readyz asks: the store answers, Slack is connected (Socket Mode), the directory binds (checked every 15 s). */
export function readinessChecks(
  config: Config,
  store: Storage,
  directory: Directory | undefined,
  app: () => App,
): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [{ name: 'store', check: () => store.ping() }];
  if (config.slack.mode === 'socket') {
    checks.push({
      name: 'slack',
      check: async () => {
        if (!socketConnected(app())) throw new Error('the Socket Mode connection is not open');
      },
    });
  }
  if (directory) {
    let last: { at: number; result: Promise<void> } | undefined;
    checks.push({
      name: 'directory',
      check: () => {
        // A bind per probe is cheap, but probes come every few seconds from every load balancer: reuse for 15 s.
        if (!last || Date.now() - last.at > 15_000) last = { at: Date.now(), result: directory.verify() };
        return last.result;
      },
    });
  }
  return checks;
}
