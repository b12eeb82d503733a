/**
 * Node's HTTP response corks the socket in `res.end()` and uncorks it on a later tick, after the current chain of
 * promise jobs has run. Work started right after `await ack()` would therefore hold back the ack's bytes. Awaiting
 * this first lets them leave before any slow work begins.
 */
export function ackFlushed(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
