/**
 * Reading a serial console: its lines with the kernel's printk time, and
 * milestones that must appear in order. Pure functions over text.
 */

export interface Milestone {
  name: string;
  /** Matched against each console line, after the printk timestamp. */
  pattern: RegExp;
}

export interface ConsoleLine {
  /** Kernel clock in ms, from the printk timestamp; undefined for firmware lines. */
  ms?: number;
  text: string;
}

/** The kernel time of the first line matching `event`; undefined when none did. */
export function findEvent(lines: ConsoleLine[], event: Milestone): number | undefined {
  return lines.find((l) => l.ms !== undefined && event.pattern.test(l.text))?.ms;
}

const printk = /^\[\s*(\d+)\.(\d{6})\]\s?(.*)$/;
/** Where a kernel record starts in the middle of a line (after a service's output without a newline). */
const recordStart = /(?<=\S)(?=\[\s*\d+\.\d{6}\] )/g;

export function parseConsole(console: string): ConsoleLine[] {
  return console
    .replace(/\r/g, "")
    .split("\n")
    .flatMap((line) => line.split(recordStart))
    .map((line) => {
      const m = printk.exec(line);
      return m ? { ms: Number(m[1]) * 1000 + Number(m[2]) / 1000, text: m[3] } : { text: line };
    });
}

export interface MilestoneHit {
  name: string;
  ms?: number;
  line: string;
}

export class MissedMilestone extends Error {
  constructor(readonly milestone: string, readonly reached: MilestoneHit[], readonly tail: string) {
    super(
      `boot missed "${milestone}" (reached: ${reached.map((r) => r.name).join(" -> ") || "nothing"})\n` +
        `--- console tail ---\n${tail}`,
    );
    this.name = "MissedMilestone";
  }
}

/** Finds each milestone after the previous one; throws on the first one missing. */
export function findMilestones(lines: ConsoleLine[], milestones: Milestone[], tailLines = 40): MilestoneHit[] {
  const hits: MilestoneHit[] = [];
  let from = 0;
  for (const m of milestones) {
    const i = lines.findIndex((l, idx) => idx >= from && m.pattern.test(l.text));
    if (i < 0) {
      const tail = lines.slice(-tailLines).map((l) => l.text).join("\n");
      throw new MissedMilestone(m.name, hits, tail);
    }
    hits.push({ name: m.name, ms: lines[i].ms, line: lines[i].text });
    from = i + 1;
  }
  return hits;
}
