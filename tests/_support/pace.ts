/**
 * Starts `step` every `everyMs` until `forMs` have passed, on a fixed schedule:
 * a step does not wait for the one before (a slow answer does not slow the
 * pace). Resolves with every step's result once all have finished.
 */
export async function paced<T>(
  everyMs: number,
  forMs: number,
  step: (index: number) => Promise<T>,
): Promise<T[]> {
  const start = performance.now();
  const running: Promise<T>[] = [];
  for (let at = 0; at < forMs; at += everyMs) {
    const wait = start + at - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    running.push(step(running.length));
  }
  return await Promise.all(running);
}
