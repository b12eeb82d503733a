/**
 * `work`, or a rejection with `timedOut()` once `ms` have passed, whichever comes first. The work itself is not
 * cancelled (its promise may still settle later); the timer never outlives the race.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
