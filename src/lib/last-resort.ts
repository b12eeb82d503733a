import type { Logger } from 'pino';

/**
 * Process-wide last resort, installed by the entry point only: an error that escaped every handler (a library's
 * detached promise, say) is logged and the bot keeps serving. The logger's error serializer keeps the name, message
 * and codes only: other properties may hold request bodies.
 */
export function lastResortHandlers(log: Logger) {
  return {
    unhandledRejection(reason: unknown): void {
      log.error({ err: reason, event: 'unhandled_rejection' }, 'an error escaped every handler; still serving');
    },
    uncaughtException(err: unknown): void {
      log.error({ err, event: 'uncaught_exception' }, 'an exception escaped every handler; still serving');
    },
  };
}

export function installLastResort(log: Logger): void {
  const handlers = lastResortHandlers(log);
  process.on('unhandledRejection', handlers.unhandledRejection);
  process.on('uncaughtException', handlers.uncaughtException);
}
