import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(text);
}

export function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A loopback port nothing listens on now (for a server to start on, or as a closed port for a refused connection). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A request as the cloud directories' local servers record it: tests assert on what was sent. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly authorization: string;
  /** JSON when it parses, else the raw text (a form). */
  readonly body: unknown;
}

/** Reads and records a request; `raw` is its body as sent (a token request's form). */
export async function recordRequest(
  req: IncomingMessage,
  base: string,
): Promise<{ url: URL; method: string; raw: string; recorded: RecordedRequest }> {
  const url = new URL(req.url ?? '/', base);
  const raw = await readBody(req);
  let body: unknown = raw || undefined;
  try {
    body = raw ? JSON.parse(raw) : undefined;
  } catch {
    // a form, kept as text
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const recorded = {
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    authorization: String(req.headers.authorization ?? ''),
    body,
  };
  return { url, method, raw, recorded };
}

/** A canned answer for the next request whose `METHOD /path` matches. */
export interface Fault {
  readonly match: RegExp;
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Hold the request this long before answering (past the client's time limit: a lost answer). */
  readonly delayMs?: number;
  /** Apply the request, then answer this way (an answer lost after the server acted). */
  readonly afterApply?: boolean;
}

/** Removes and returns the first fault matching `METHOD /path`. */
export function takeFault(faults: Fault[], method: string, path: string): Fault | undefined {
  const fault = faults.find((f) => f.match.test(`${method} ${path}`));
  if (fault) faults.splice(faults.indexOf(fault), 1);
  return fault;
}

/** Answers with JSON (or an empty 204), adding `always` to every answer's headers. */
export function answerer(res: ServerResponse, always: () => Record<string, string> = () => ({})) {
  return (r: { status: number; body?: unknown }, headers: Record<string, string> = {}) => {
    if (r.status === 204) {
      res.writeHead(204, { ...always(), ...headers }).end();
      return;
    }
    sendJson(res, r.status, r.body ?? {}, { ...always(), ...headers });
  };
}

/** Answers with a fault, after its delay. */
export async function answerFault(fault: Fault, answer: ReturnType<typeof answerer>): Promise<void> {
  if (fault.delayMs) await sleep(fault.delayMs);
  answer({ status: fault.status, body: fault.body }, fault.headers);
}
