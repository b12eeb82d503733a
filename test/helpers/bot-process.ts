import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..', '..');
const TSX = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;

/** The real entry point as a process, so it can be killed without any chance to clean up. */
export function startBotProcess(
  env: Record<string, string | undefined>,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', TSX, join(root, 'src/index.ts')], {
    cwd: mkdtempSync(join(tmpdir(), 'resetpw-crash-')),
    env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.once('exit', (code) => reject(new Error(`bot exited early with ${code}`)));
    child.stdout?.on('data', (chunk) => {
      buffer += String(chunk);
      const running = buffer
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg?: string; port?: number })
        .find((l) => l.msg === 'resetpw is running');
      if (running?.port) resolve({ child, port: running.port });
    });
  });
}
