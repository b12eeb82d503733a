/** The benchmarks' server processes: started as `npm start` starts the bot, their port read from the logs, RSS read from /proc. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
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
          // BENCH_LOG_DIR=<folder>: each server's output (its logs, --trace-gc) is kept there as <pid>.log.
          const dir = process.env.BENCH_LOG_DIR;
          if (dir) child.stdout?.pipe(createWriteStream(join(dir, `${child.pid}.log`)));
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

/** prom-client's event-loop monitor samples every 10 ms and records the whole interval: 10 ms is an idle loop. */
const SAMPLING_MS = 10;

export interface LoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The event-loop delay a server reports on its /metrics (prom-client's nodejs_eventloop_lag_* gauges), in ms beyond
 * the sampling interval, since the previous scrape: prom-client resets the histogram at each one. So a scrape before
 * a burst and one after it give the delay during the burst.
 */
export async function loopDelay(port: number): Promise<LoopDelay> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const gauge = (name: string) => {
    const seconds = Number(new RegExp(`^nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1]);
    return Math.max(0, seconds * 1000 - SAMPLING_MS);
  };
  return { p50: gauge('p50'), p99: gauge('p99'), max: gauge('max') };
}

/** A process's V8 heap in use, from its /metrics, in MB. */
export async function heapUsedMb(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1]) / 2 ** 20;
}

/** The V8 heap a process has committed, from its /metrics, in MB. */
export async function heapCommittedMb(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^nodejs_heap_size_total_bytes (\S+)$/m.exec(text)?.[1]) / 2 ** 20;
}
