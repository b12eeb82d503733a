import 'dotenv/config';
import { startBot } from './bot.js';
import { ConfigError } from './config/index.js';
import { installLastResort } from './lib/last-resort.js';

/** Composition root: everything else takes what it needs as arguments. */
async function main(): Promise<void> {
  const bot = await startBot(process.env, { onLogger: installLastResort });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`resetpw: ${signal} received, finishing in-flight resets\n`);
    bot.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  // Config errors already name every bad variable; anything else gets its message only.
  const text = err instanceof ConfigError ? err.message : `resetpw failed to start: ${(err as Error).message}`;
  process.stderr.write(`${text}\n`);
  process.exit(1);
});
