import { randomUUID } from 'node:crypto';
import type { AnyMiddlewareArgs, Context, Middleware } from '@slack/bolt';
import type { Logger } from 'pino';

/** Gives every incoming request an id and a child logger carrying it, the Slack user and the team (made on first use). */
export function requestContext(log: Logger): Middleware<AnyMiddlewareArgs> {
  return async ({ context, body, next }) => {
    const b = body as {
      user_id?: string;
      user?: { id?: string };
      type?: string;
      command?: string;
      event?: { type?: string; user?: string };
    };
    const requestId = randomUUID();
    context.requestId = requestId;
    // Made when first used, not here: a pino child (its bindings serialized, its redaction set up) for every
    // request would sit on the path to every ack, and most requests log only after theirs, if at all.
    let child: Logger | undefined;
    Object.defineProperty(context, 'log', {
      configurable: true,
      enumerable: true,
      get: () =>
        (child ??= log.child({
          requestId,
          userId: b.user_id ?? b.user?.id ?? b.event?.user,
          teamId: context.teamId,
          kind: b.command ?? b.event?.type ?? b.type,
        })),
    });
    await next();
  };
}

export function requestLog(context: Context, fallback: Logger): Logger {
  return (context.log as Logger | undefined) ?? fallback;
}

export function requestIdOf(context: Context): string {
  return typeof context.requestId === 'string' ? context.requestId : 'unknown';
}
