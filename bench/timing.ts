/** Wall-clock helpers shared by the bench groups. */

/** Milliseconds as seconds, to a tenth. */
export const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Runs `work` and measures it: its result and its wall time in seconds. */
export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; s: number }> {
  const started = Date.now();
  const result = await work();
  return { result, s: seconds(Date.now() - started) };
}
