/**
 * A promise kept for `ttlMs` (forever by default) and shared by every caller meanwhile; one that fails is
 * forgotten at once, so the next call tries again instead of repeating the failure. Later calls' arguments are
 * ignored while a value is kept: use it for what does not depend on them (a connection to read with, say).
 */
export function cachedUntilFailure<A extends unknown[], T>(
  load: (...args: A) => Promise<T>,
  ttlMs = Number.POSITIVE_INFINITY,
): (...args: A) => Promise<T> {
  let kept: { at: number; value: Promise<T> } | undefined;
  return (...args) => {
    if (!kept || Date.now() - kept.at > ttlMs) {
      const value = load(...args);
      const entry = { at: Date.now(), value };
      kept = entry;
      value.catch(() => {
        if (kept === entry) kept = undefined;
      });
    }
    return kept.value;
  };
}
