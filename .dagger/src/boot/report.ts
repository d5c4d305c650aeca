/** The boot report of a smoke boot: milestone times, init figures, /bin, mounts and a module load; as data, Markdown and SVG. */
import { ConsoleLine, findMilestones, MilestoneHit, parseConsole, smokeFacts, smokeMilestones } from "./milestones.js";

export interface MountFact {
  mountpoint: string;
  options: string;
}

export interface BootReport {
  milestones: { name: string; ms: number }[];
  /** Kernel clock from `Run /init` (the kernel's exec of /init) to the init's exec of containerd. */
  initExecToRuntimeMs: number;
  pid1RssKb: number;
  bin: string[];
  mounts: MountFact[];
  /** What the smoke pod's module loads gave: "ip_vs_rr loaded" or "ip_vs_rr refused: <error>". */
  modules: string[];
}

function timeOf(lines: ConsoleLine[], pattern: RegExp, what: string): number {
  const line = lines.find((l) => l.ms !== undefined && pattern.test(l.text));
  if (!line) throw new Error(`boot report: no console line for ${what} (${pattern})`);
  return line.ms!;
}

function requireMs(hit: MilestoneHit): number {
  if (hit.ms === undefined) throw new Error(`boot report: milestone "${hit.name}" has no kernel timestamp: ${hit.line}`);
  return hit.ms;
}

/** Parses a smoke boot's console; throws MissedMilestone with the console tail if a milestone is missing. */
export function bootReport(console: string): BootReport {
  const lines = parseConsole(console);
  const hits = findMilestones(lines, smokeMilestones);
  const rss = smokeFacts(lines, "pid1").map((v) => /VmRSS:\s*(\d+)\s*kB/.exec(v)?.[1]).find(Boolean);
  if (!rss) throw new Error("boot report: the smoke pod reported no PID 1 VmRSS");
  const bin = smokeFacts(lines, "bin")[0];
  if (bin === undefined) throw new Error("boot report: the smoke pod reported no /bin listing");
  return {
    milestones: hits.map((h) => ({ name: h.name, ms: requireMs(h) })),
    initExecToRuntimeMs:
      timeOf(lines, /kiOS: started containerd/, "the exec of containerd") - timeOf(lines, /Run \/init as init process/, "the exec of /init"),
    pid1RssKb: Number(rss),
    bin: bin.split(/\s+/).filter(Boolean).sort(),
    mounts: smokeFacts(lines, "mount").map((v) => {
      const [mountpoint, options = ""] = v.split(/\s+/, 2);
      return { mountpoint, options };
    }),
    modules: smokeFacts(lines, "module"),
  };
}

export function bootReportMarkdown(r: BootReport): string {
  const rows = r.milestones.map((m) => `| ${m.name} | ${m.ms.toFixed(0)} |`);
  return [
    "# kiOS smoke boot",
    "",
    "| milestone | kernel clock (ms) |",
    "| --- | --- |",
    ...rows,
    "",
    `- init: exec of /init to exec of containerd: ${r.initExecToRuntimeMs.toFixed(1)} ms`,
    `- PID 1 RSS: ${r.pid1RssKb} kB`,
    `- /bin: ${r.bin.join(", ")}`,
    `- kernel modules: ${r.modules.join("; ") || "none loaded"}`,
    "",
    "| mount | options |",
    "| --- | --- |",
    ...r.mounts.map((m) => `| ${m.mountpoint} | ${m.options} |`),
    "",
  ].join("\n");
}

/** A horizontal timeline of the milestones, one labelled tick each. */
export function bootReportSvg(r: BootReport): string {
  const width = 800;
  const left = 20;
  const scale = (width - 2 * left) / Math.max(1, ...r.milestones.map((m) => m.ms));
  const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const ticks = r.milestones.map((m, i) => {
    const x = (left + m.ms * scale).toFixed(1);
    const y = 40 + i * 22;
    return (
      `<line x1="${x}" y1="30" x2="${x}" y2="${y}" stroke="#36c"/>` +
      `<text x="${x}" y="${y + 12}" font-size="12" font-family="sans-serif">${escape(m.name)} ${(m.ms / 1000).toFixed(2)} s</text>`
    );
  });
  const height = 60 + r.milestones.length * 22;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<line x1="${left}" y1="30" x2="${width - left}" y2="30" stroke="#333"/>`,
    `<text x="${left}" y="18" font-size="13" font-family="sans-serif">kiOS boot (kernel clock)</text>`,
    ...ticks,
    "</svg>",
    "",
  ].join("\n");
}
