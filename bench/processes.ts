/** The benchmarks' server processes: started as `npm start` starts the bot, their port read from the logs, RSS read from /proc. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..');

/** Exactly what `npm start` runs, minus npm itself: node's flags, and the entry point. */
export function npmStartCommand(): { flags: string[]; entry: string } {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const args = pkg.scripts.start.split(/\s+/).slice(1);
  return { flags: args.slice(0, -1), entry: args.at(-1) ?? '' };
}

/**
 * Starts `node ...args` in the project folder and resolves with its port, read from the first JSON log line that
 * carries one; its later logs are drained. `onSpawn` hears the child at once, so a caller can kill it even if it
 * never comes up.
 */
export function startServer(
  args: string[],
  env: Record<string, string | undefined>,
  onSpawn: (child: ChildProcess) => void = () => undefined,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onSpawn(child);
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
    child.stdout?.on('data', (chunk) => {
      buffer += String(chunk);
      for (const line of buffer.split('\n')) {
        const port = line.startsWith('{') ? (JSON.parse(line) as { port?: number }).port : undefined;
        if (port) {
          child.stdout?.removeAllListeners('data').resume(); // keep draining logs
          resolve({ child, port });
          return;
        }
      }
    });
  });
}

/** A process's resident memory now, in MB (MiB, as /proc counts it). */
export function rssMb(pid: number | undefined): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}
