/**
 * Why a request never got an answer, in a word for messages: the socket error's code (ECONNREFUSED, ENOTFOUND,
 * ETIMEDOUT…) wherever the SDK wrapped it (the WebClient wraps fetch's TypeError as `original`, which wraps the
 * socket error as `cause`), else the innermost message ("bad port"), else the error's own message.
 */
export function transportReason(err: unknown): string {
  type Wrapped = { code?: unknown; cause?: unknown; original?: unknown; message?: unknown } | undefined;
  let e = err as Wrapped;
  let innermost: string | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return e.code;
    if (typeof e.message === 'string' && e.message) innermost = e.message;
    e = (e.original ?? e.cause) as Wrapped;
  }
  return innermost ?? String(err);
}
