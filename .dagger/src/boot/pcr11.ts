/**
 * The measured boot's check: the PCR 11 values the node's init logged at
 * each boot phase ("kiOS: PCR 11 after <word>: sha256=<hex>") against
 * ukify's prediction for that phase path (pcr11.json, modules/uki/src/measure.ts).
 */

/** ukify's prediction, as MEASURE_FILES.json holds it. */
export interface Pcr11Prediction {
  pcr: number;
  bank: string;
  /** Phase path ("enter-initrd:leave-initrd") → lower-case hex. */
  phases: Record<string, string>;
}

/** The boot's phase words, in order: a word's phase path is it and the words before it. */
const BOOT_WORDS = ["enter-initrd", "leave-initrd", "sysinit", "ready"];

/** The values the console shows, by phase path, for the boot words (the first line of each). */
export function loggedPcr11(console: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const m of console.matchAll(/kiOS: PCR 11 after ([a-z-]+): sha256=([0-9a-f]{64})/g)) {
    const i = BOOT_WORDS.indexOf(m[1]!);
    const path = BOOT_WORDS.slice(0, i + 1).join(":");
    if (i >= 0 && !(path in found)) found[path] = m[2]!;
  }
  return found;
}

/**
 * Throws naming each phase path whose logged value is missing or differs
 * from the prediction; returns the paths that matched.
 */
export function checkPcr11(console: string, prediction: Pcr11Prediction): string[] {
  const logged = loggedPcr11(console);
  const problems = Object.entries(prediction.phases).flatMap(([path, want]) => {
    const got = logged[path];
    if (got === undefined) return [`${path}: no "PCR 11 after" line on the console`];
    return got === want ? [] : [`${path}: the node logged ${got}, ukify predicted ${want}`];
  });
  if (problems.length > 0) throw new Error(`measured boot: PCR 11 is not what the signed policy expects:\n  ${problems.join("\n  ")}`);
  return Object.keys(prediction.phases);
}
