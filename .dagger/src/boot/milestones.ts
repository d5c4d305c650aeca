/**
 * Reading a serial console: the boot milestones a smoke boot must reach, in
 * order, and the figures the boot report gives. Pure functions over text.
 */

export interface Milestone {
  name: string;
  /** Matched against each console line, after the printk timestamp. */
  pattern: RegExp;
}

/** What a kiOS smoke boot must print, in this order. */
export const smokeMilestones: Milestone[] = [
  { name: "kernel banner", pattern: /Linux version \d+\.\d+/ },
  { name: "init started", pattern: /kiOS: init starting/ },
  { name: "containerd ready", pattern: /kiOS: containerd ready/ },
  { name: "kubelet started", pattern: /kiOS: started kubelet/ },
  { name: "probe done", pattern: /kios-probe: done/ },
  { name: "powered off", pattern: /reboot: Power down/ },
];

/** node.yaml applied: PID 1 started the kubelet with the labels it gave. */
export const configApplied: Milestone = { name: "config applied", pattern: /kiOS: started kubelet .*--node-labels/ };

/** The kernel time of the first line matching `event`; undefined when none did. */
export function findEvent(lines: ConsoleLine[], event: Milestone): number | undefined {
  return lines.find((l) => l.ms !== undefined && event.pattern.test(l.text))?.ms;
}

export interface ConsoleLine {
  /** Kernel clock in ms, from the printk timestamp; undefined for firmware lines. */
  ms?: number;
  text: string;
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

/** Lines the probe pod writes to /dev/kmsg as "kios-probe: <key> <value>". */
export function probeFacts(lines: ConsoleLine[], key: string): string[] {
  return probeLines(lines, key).map((l) => l.text.slice(`kios-probe: ${key} `.length));
}

/** The probe's lines for `key`, with their times. */
export function probeLines(lines: ConsoleLine[], key: string): ConsoleLine[] {
  return lines.filter((l) => l.text.startsWith(`kios-probe: ${key} `));
}
