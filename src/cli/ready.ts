import type { Env } from '../config/env.js';

/**
 * `resetpw ready`: asks this host's bot for GET /readyz, for a container HEALTHCHECK (the runtime image has no curl).
 * Reads only the variables that say where readiness is served, so it works even while other settings are wrong.
 * Returns the line to print and whether the bot is ready.
 */
export async function readyProbe(env: Env, timeoutMs = 4000): Promise<{ ready: boolean; line: string }> {
  const mode = env.SLACK_MODE?.trim() || 'socket';
  const port = mode === 'http' ? env.PORT?.trim() || '3000' : env.HEALTH_PORT?.trim();
  if (!port) return { ready: false, line: 'HEALTH_PORT is not set: in Socket Mode, readiness is served only on it' };
  // The bot listens on HOST; a wildcard address is reached over loopback.
  const host = env.HOST?.trim() || '0.0.0.0';
  const target = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${target}:${port}/readyz`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.text()).slice(0, 500);
    return { ready: res.status === 200, line: `${url}: HTTP ${res.status} ${body}` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    return { ready: false, line: `${url}: no answer (${cause})` };
  }
}
