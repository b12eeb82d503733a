import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'node:querystring';
import type { Logger } from 'pino';
import { slackRequestArrived } from './flush.js';

/** Slack's largest payloads (a view submission carries the whole view) are far below this. */
export const SLACK_BODY_LIMIT = 1024 * 1024;

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Why a request body is not something Slack sends, or undefined when it could be. Bolt assumes the shape after the
 * signature check, and a signed `payload=null` used to throw outside its own error handling and stop the process.
 * Mirrors Bolt's parsing: form-encoded only for exactly that content type, JSON otherwise.
 */
export function slackBodyProblem(raw: string, contentType: string | undefined): string | undefined {
  if (contentType === 'application/x-www-form-urlencoded') {
    const form = parse(raw);
    if (form.payload === undefined) {
      return form.ssl_check === '1' || typeof form.command === 'string' ? undefined : 'neither a command nor a payload';
    }
    if (typeof form.payload !== 'string') return 'more than one payload';
    const payload = parseObject(form.payload);
    return isViewSubmission(payload) || isBlockAction(payload)
      ? undefined
      : 'the payload is not a form submission or a button';
  }
  const body = parseObject(raw);
  if (body?.type === 'url_verification') return typeof body.challenge === 'string' ? undefined : 'not a Slack request';
  return isEvent(body) ? undefined : 'not a Slack request';
}

/**
 * The interactions this app receives (its manifest has a command, modals and the App Home's button; no shortcuts):
 * a view submission or a button press, with the ids Bolt routes on. Anything else Bolt could not route, and would
 * leave unanswered.
 */
function isViewSubmission(payload: Record<string, unknown> | undefined): boolean {
  // view_closed too: the verification's waiting modal asks for it (notify_on_close) to withdraw its question.
  if (payload?.type !== 'view_submission' && payload?.type !== 'view_closed') return false;
  const view = payload.view as { id?: unknown; callback_id?: unknown } | null | undefined;
  const user = payload.user as { id?: unknown } | null | undefined;
  return typeof view?.id === 'string' && typeof view.callback_id === 'string' && typeof user?.id === 'string';
}

function isBlockAction(payload: Record<string, unknown> | undefined): boolean {
  if (payload?.type !== 'block_actions') return false;
  const user = payload.user as { id?: unknown } | null | undefined;
  const actions = payload.actions;
  return (
    typeof user?.id === 'string' &&
    Array.isArray(actions) &&
    actions.length > 0 &&
    actions.every((a) => typeof (a as { action_id?: unknown } | null)?.action_id === 'string')
  );
}

/** An Events API callback (the App Home's opening): an event with a type, and the workspace it came from. */
function isEvent(body: Record<string, unknown> | undefined): boolean {
  if (body?.type !== 'event_callback') return false;
  const event = body.event as { type?: unknown } | null | undefined;
  return typeof event?.type === 'string' && typeof body.team_id === 'string';
}

function parseObject(json: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Wraps Bolt's HTTP listener: reads the body once (Bolt reuses `rawBody`), answers 413 past the limit and 400 to a
 * body of the wrong shape, with one log line that never quotes the body. Everything else goes on to Bolt, which
 * checks the signature as before. Every POST whose body has been read counts as a request waiting for its ack until
 * it is answered.
 */
export function guardSlackRequests(
  listener: Listener,
  log: Logger,
  options: { limit?: number; onAnswered?: (status: number, seconds: number) => void } = {},
): Listener {
  const limit = options.limit ?? SLACK_BODY_LIMIT;
  return (req, res) => {
    if (req.method !== 'POST') {
      listener(req, res);
      return;
    }
    const started = performance.now();
    res.once('finish', () => options.onAnswered?.(res.statusCode, (performance.now() - started) / 1000));
    serverTiming(res, started);
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const refuse = (status: number, problem: string) => {
      if (refused) return;
      refused = true;
      log.warn({ status, problem, path: req.url, bytes: size }, 'refused a request that is not a Slack request');
      res.writeHead(status, { Connection: 'close' });
      res.end();
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        refuse(413, 'body too large');
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('error', () => refuse(400, 'the request broke off'));
    req.on('end', () => {
      if (refused) return;
      const raw = Buffer.concat(chunks);
      const problem = slackBodyProblem(raw.toString('utf8'), req.headers['content-type']);
      if (problem) {
        refuse(400, problem);
        return;
      }
      (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
      // Work after other requests' acks waits until this one is answered too (see lib/flush.ts). Counted from its
      // whole body on: a POST whose body never ends (anyone can open one) must not hold everyone's work back.
      const answered = slackRequestArrived();
      res.once('finish', answered);
      res.once('close', answered);
      listener(req, res);
    });
  };
}

/**
 * Every ack says how long the bot took to it, from the request's headers to the answer's (`Server-Timing:
 * app;dur=<ms>`, the standard header): the time that is the bot's own, whatever the sender's machine does meanwhile.
 * The benchmark reads it beside a bare Bolt app's; Slack ignores it. Only a 2xx answer (a signed request's ack)
 * carries it: a stranger's refused request learns nothing of how long its refusal took.
 */
function serverTiming(res: ServerResponse, started: number): void {
  const writeHead = res.writeHead;
  res.writeHead = function timedWriteHead(this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    const status = args[0];
    if (!this.headersSent && status >= 200 && status < 300) {
      this.setHeader('Server-Timing', `app;dur=${(performance.now() - started).toFixed(3)}`);
    }
    return writeHead.apply(this, args);
  } as ServerResponse['writeHead'];
}
