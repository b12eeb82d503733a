/**
 * Acks first. Slack gives every request 3 s and waits for its ack, not for what follows it (a form to open, a
 * refusal to answer, a reset to run). So work that follows an ack waits here until every Slack request this process
 * has received has been answered, and then starts one piece per turn of the event loop, with the loop's I/O (the
 * next requests) in between. One event loop serves the whole process, so the count is the process's.
 *
 * Also: Node's HTTP response corks the socket in `res.end()` and uncorks it on a later tick, after the current chain
 * of promise jobs has run; work started right after `await ack()` would hold back the ack's bytes. Awaiting
 * `ackFlushed()` lets them leave first.
 */

/**
 * How long work may wait for other requests' acks. Under a flood that never leaves a moment without a request
 * waiting, work still starts: a command's trigger_id must open its form within 3 s of the command, and the admin
 * check and views.open take a few hundred milliseconds against Slack (a check that takes its full 2 s refuses
 * anyway). Work on no such clock (a refusal's answer and audit row) can wait longer. A Slack Web API call of work
 * already under way (`callTurn`) waits least: its trigger_id's clock has run since the command, and a submission's
 * ack may be waiting for the form's row its answer leads to (the form check waits 800 ms for it).
 */
export const MAX_WAIT_MS = { call: 250, urgent: 1000, patient: 5000 } as const;
type Patience = keyof typeof MAX_WAIT_MS;

/**
 * Requests of a burst arrive one after the other, and between two of them every request received so far may have
 * been answered. Work whose wait saw another request arrive starts only once none has arrived for this long, so it
 * does not slip in between the requests of a burst; work after a lone request starts at once.
 */
export const QUIET_MS = 3;

interface Waiter {
  readonly deadline: number;
  /** How many requests had arrived when the work began to wait. */
  readonly arrivals: number;
  readonly start: () => void;
}

let unanswered = 0;
let arrivals = 0;
let lastArrivalAt = Number.NEGATIVE_INFINITY;
/** Work waiting to start, by patience, each queue oldest first (so also in the order of deadlines). */
const waiting: Record<Patience, Waiter[]> = { call: [], urgent: [], patient: [] };
/** The queues in the order their work starts: calls of work under way first, then new work. */
const PATIENCES: readonly Patience[] = ['call', 'urgent', 'patient'];
let pumping = false;
let timer: NodeJS.Timeout | undefined;

/** A Slack request came in (its body has been read); call what this returns once it has been answered (or abandoned). Idempotent. */
export function slackRequestArrived(): () => void {
  unanswered++;
  arrivals++;
  lastArrivalAt = performance.now();
  let done = false;
  return () => {
    if (done) return;
    done = true;
    unanswered--;
    if (unanswered === 0) pump();
  };
}

/** Requests received and not answered yet (for tests). */
export function unansweredRequests(): number {
  return unanswered;
}

/**
 * For a Slack Web API call (lib/slack-fetch.ts), before its request leaves and again before its answer is handed
 * back: undefined (go on at once) when no request waits for its ack and no work waits to start; otherwise a promise
 * that resolves as `ackFlushed('call')` does. The WebClient queues calls beyond 100 in flight and starts them as
 * answers come back, and each answer's handling (the WebClient's result, the form's row) runs when it arrives: work
 * that passed `ackFlushed` before a burst would otherwise go on between the burst's requests.
 */
export function callTurn(): Promise<void> | undefined {
  return unanswered === 0 && nothingWaits() ? undefined : ackFlushed('call');
}

/**
 * An outgoing call to Slack (a Web API call, a response_url post) on the gate's terms: its request leaves, and its
 * answer is handed back, each only at the call's turn (callTurn). A failure is not held.
 */
export async function afterTheAcks<T>(call: () => Promise<T>): Promise<T> {
  await callTurn();
  const answer = await call();
  await callTurn();
  return answer;
}

function nothingWaits(): boolean {
  return PATIENCES.every((p) => waiting[p].length === 0);
}

/**
 * Resolves once the ack's bytes have left and no Slack request is waiting for its ack, or once the work has waited
 * its longest (MAX_WAIT_MS; `patient` for work no trigger_id waits on). Work waiting here starts one piece per turn
 * of the event loop (calls of work under way first, then urgent, then patient), each kind in the order it came.
 */
export function ackFlushed(patience: Patience = 'urgent'): Promise<void> {
  return new Promise((start) => {
    waiting[patience].push({ deadline: performance.now() + MAX_WAIT_MS[patience], arrivals, start });
    pump();
  });
}

/** The work to start now, if any; otherwise when to look again (undefined: at the next answer). */
function next(): { waiter: Waiter } | { at: number | undefined } {
  const now = performance.now();
  for (const patience of PATIENCES) {
    if ((waiting[patience][0]?.deadline ?? Number.POSITIVE_INFINITY) <= now) {
      return { waiter: waiting[patience].shift() as Waiter };
    }
  }
  const deadline = Math.min(...PATIENCES.map((p) => waiting[p][0]?.deadline ?? Number.POSITIVE_INFINITY));
  if (unanswered > 0) return { at: deadline };
  const queue = waiting[PATIENCES.find((p) => waiting[p].length > 0) ?? 'patient'];
  const head = queue[0] as Waiter;
  if (head.arrivals === arrivals || now - lastArrivalAt >= QUIET_MS) return { waiter: queue.shift() as Waiter };
  return { at: Math.min(deadline, lastArrivalAt + QUIET_MS) };
}

function pump(): void {
  if (pumping || nothingWaits()) return;
  pumping = true;
  // setImmediate runs after the loop's I/O phase: the ack has been written, and requests that arrived meanwhile
  // have been read (and counted) before anything else starts.
  setImmediate(() => {
    pumping = false;
    const found = next();
    if ('at' in found) {
      // The last answer pumps again; so does the time given, if nothing else comes first.
      clearTimeout(timer);
      if (found.at !== undefined) timer = setTimeout(pump, Math.max(0, found.at - performance.now()) + 0.5);
      return;
    }
    found.waiter.start();
    // One piece per turn: it runs up to its first I/O before the loop reads what arrived meanwhile.
    pump();
  });
}
