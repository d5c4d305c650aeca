/**
 * The boot report of a smoke boot: milestone times, the node's own events
 * (lease, configuration, time), restarts, orphans, and what the host looks
 * like from a pod; as data, Markdown and SVG.
 */
import type { BootRun } from "../stages/boot.js";
import {
  configApplied,
  ConsoleLine,
  findEvent,
  findMilestones,
  MilestoneHit,
  parseConsole,
  probeFacts,
  probeLines,
  smokeMilestones,
} from "./milestones.js";

export interface MountFact {
  mountpoint: string;
  options: string;
}

export interface BootReport {
  /** sha256 of the UKI that booted. */
  ukiSha256: string;
  milestones: { name: string; ms: number }[];
  /**
   * Kernel clock at the node's events: its first DHCP lease (the DHCP
   * server's ACK), node.yaml applied (kubelet restarted with its labels),
   * the clock stepped by NTP (chrony's log line).
   */
  events: { lease: number; configApplied: number; timeSynced: number };
  /** Kernel clock from `Run /init` (the kernel's exec of /init) to the init's exec of containerd. */
  initExecToRuntimeMs: number;
  /** The node's address, and the name servers and search domains of its resolv.conf. */
  lease: { address: string; nameservers: string[]; search: string[] };
  kubeletArgv: string;
  hostname: string;
  /** What chrony said it stepped the clock by, and how far the node's clock was from the test's after it (s, node minus test). */
  clock: { steppedBySeconds: number; offsetAfterSeconds: number };
  /** Kill to restart (PID 1's exec of the new process), ms, for each of ten kills. */
  restartMs: { containerd: number[]; kubelet: number[] };
  /** Orphans PID 1 reaped in the probe's orphan test, and zombies left after it. */
  orphans: { reaped: number; zombies: number };
  /** The kubelet's log as the kios-logs pod saw it, and whether the kubelet still answered. */
  kubeletLog: { bytes: number; healthz: string };
  pid1RssKb: number;
  /** NAME, ID and ID_LIKE of the node's /etc/os-release. */
  osRelease: Record<string, string>;
  bin: string[];
  /** Pods with a live process at the end of the probe (static pods are named <pod>-<node>): their containers' restarts. */
  podsRunning: Record<string, number>;
  /** Files named like a shell anywhere on the host's root file system. */
  shells: string[];
  /** Long-lived processes whose root is the host's, by name: count. */
  hostProcesses: Record<string, number>;
  mounts: MountFact[];
  /** What the probe's module loads gave: "ip_vs_rr loaded" or "ip_vs_rr refused: <error>". */
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

function one(lines: ConsoleLine[], key: string): string {
  const value = probeFacts(lines, key)[0];
  if (value === undefined) throw new Error(`boot report: the probe reported no "${key}"`);
  return value;
}

/** For each "kill <service> <i>" of the probe, the time to PID 1's next start of that service. */
function restartTimes(lines: ConsoleLine[], service: string): number[] {
  return probeLines(lines, "kill")
    .filter((l) => l.text.split(" ")[2] === service)
    .map((kill) => {
      const i = lines.indexOf(kill);
      const start = lines.slice(i + 1).find((l) => l.text.startsWith(`kiOS: started ${service} `));
      if (!start?.ms || kill.ms === undefined) throw new Error(`boot report: ${service} did not start again after: ${kill.text}`);
      return start.ms - kill.ms;
    });
}

function orphansReaped(lines: ConsoleLine[]): number {
  const from = lines.findIndex((l) => l.text === "kios-probe: orphans start");
  const to = lines.findIndex((l) => l.text.startsWith("kios-probe: orphans zombies"));
  if (from < 0 || to < 0) throw new Error("boot report: the probe's orphan test did not run");
  return lines
    .slice(from, to)
    .map((l) => /kiOS: reaped (\d+) orphan/.exec(l.text)?.[1])
    .reduce((sum, n) => sum + Number(n ?? 0), 0);
}

function zombiesAfterOrphans(lines: ConsoleLine[]): number {
  const zombies = probeFacts(lines, "orphans").find((v) => v.startsWith("zombies "));
  if (zombies === undefined) throw new Error("boot report: the probe reported no zombie count");
  return Number(zombies.slice("zombies ".length));
}

/** ISO 8601 time (with up to nanoseconds) in epoch seconds. */
function epochSeconds(iso: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?Z$/.exec(iso);
  if (!m) throw new Error(`boot report: not a UTC time stamp: ${iso}`);
  return Date.parse(`${m[1]}Z`) / 1000 + Number(m[2] ?? 0);
}

/**
 * The kernel time of the node's first DHCP lease: the DHCP server's ACK to
 * its NIC, on the boot container's wall clock, placed on the kernel's clock
 * through a console line stamped with the same wall clock.
 */
function leaseMs(run: Pick<BootRun, "dhcpLog" | "stamps">): number {
  const ack = run.dhcpLog.split("\n").find((l) => /DHCPACK\(kios0\) \S+ 52:54:00:6b:69:01/.test(l));
  const stamp = run.stamps[0];
  const stampMs = stamp && parseConsole(stamp.line)[0]?.ms;
  if (!ack || !stamp || stampMs === undefined) throw new Error("boot report: no DHCP lease in the DHCP server's log, or no stamped console line");
  return stampMs - (stamp.epochMs - Number(ack.split(" ")[0]));
}

/** Parses a smoke boot's run; throws MissedMilestone with the console tail if a milestone is missing. */
export function bootReport(run: Pick<BootRun, "console" | "stamps" | "ukiSha256" | "dhcpLog">): BootReport {
  const lines = parseConsole(run.console);
  const hits = findMilestones(lines, smokeMilestones);
  const applied = findEvent(lines, configApplied);
  if (applied === undefined) throw new Error(`boot report: no "${configApplied.name}" on the console`);
  const rss = /VmRSS:\s*(\d+)\s*kB/.exec(one(lines, "pid1"))?.[1];
  if (!rss) throw new Error("boot report: the probe reported no PID 1 VmRSS");
  const lease = /^eth0 (\S+) resolv\.conf (.*)$/.exec(one(lines, "lease"));
  if (!lease) throw new Error("boot report: the probe's lease line is not 'eth0 <address> resolv.conf <lines>'");
  const resolv = lease[2]!.split(";").map((l) => l.trim().split(/\s+/));
  const timeLine = probeLines(lines, "time")[0];
  const time = /^kios-probe: time stepped by (-?[\d.]+) seconds at (\S+) now ([\d.]+)$/.exec(timeLine?.text ?? "");
  const stamp = run.stamps.find((s) => s.line.includes("kios-probe: time "));
  if (!time || !stamp || timeLine?.ms === undefined) throw new Error("boot report: no clock step with its wall-clock stamp");
  const now = Number(time[3]);
  const log = /^bytes (\d+) healthz (\S*)/.exec(one(lines, "kubelet-log"));
  if (!log) throw new Error("boot report: no kubelet-log figures");
  const shells = one(lines, "shells");
  return {
    ukiSha256: run.ukiSha256,
    milestones: hits.map((h) => ({ name: h.name, ms: requireMs(h) })),
    events: { lease: leaseMs(run), configApplied: applied, timeSynced: timeLine.ms - (now - epochSeconds(time[2]!)) * 1000 },
    initExecToRuntimeMs:
      timeOf(lines, /kiOS: started containerd/, "the exec of containerd") - timeOf(lines, /Run \/init as init process/, "the exec of /init"),
    lease: {
      address: lease[1]!,
      nameservers: resolv.filter((l) => l[0] === "nameserver").map((l) => l[1]!),
      search: resolv.filter((l) => l[0] === "search").flatMap((l) => l.slice(1)),
    },
    kubeletArgv: one(lines, "kubelet-argv").trim(),
    hostname: one(lines, "hostname").trim(),
    clock: { steppedBySeconds: Number(time[1]), offsetAfterSeconds: Math.round((now - stamp.epochMs / 1000) * 1000) / 1000 },
    restartMs: { containerd: restartTimes(lines, "containerd"), kubelet: restartTimes(lines, "kubelet") },
    orphans: { reaped: orphansReaped(lines), zombies: zombiesAfterOrphans(lines) },
    kubeletLog: { bytes: Number(log[1]), healthz: log[2]! },
    pid1RssKb: Number(rss),
    osRelease: Object.fromEntries(
      one(lines, "os-release")
        .split(";")
        .filter((pair) => pair.includes("="))
        .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
    ),
    bin: one(lines, "bin").split(/\s+/).filter(Boolean).sort(),
    podsRunning: Object.fromEntries(
      one(lines, "pods-running")
        .split(/\s+/)
        .filter((pod) => pod.includes(":"))
        .map((pod) => [pod.slice(0, pod.lastIndexOf(":")), Number(pod.slice(pod.lastIndexOf(":") + 1))]),
    ),
    shells: shells === "none" ? [] : shells.split(/\s+/).filter(Boolean),
    hostProcesses: Object.fromEntries(
      one(lines, "host-processes")
        .split(/\s+/)
        .filter(Boolean)
        .map((pair) => [pair.slice(0, pair.lastIndexOf("=")), Number(pair.slice(pair.lastIndexOf("=") + 1))]),
    ),
    mounts: probeFacts(lines, "mount").map((v) => {
      const [mountpoint, options = ""] = v.split(/\s+/, 2);
      return { mountpoint: mountpoint!, options };
    }),
    modules: probeFacts(lines, "module"),
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const ms = (v: number) => v.toFixed(0);

export function bootReportMarkdown(r: BootReport): string {
  return [
    "# kiOS smoke boot",
    "",
    `UKI sha256: \`${r.ukiSha256}\``,
    "",
    "| milestone | kernel clock (ms) |",
    "| --- | --- |",
    ...r.milestones.map((m) => `| ${m.name} | ${ms(m.ms)} |`),
    `| DHCP lease | ${ms(r.events.lease)} |`,
    `| node.yaml applied (kubelet restarted with its labels) | ${ms(r.events.configApplied)} |`,
    `| clock stepped by NTP | ${ms(r.events.timeSynced)} |`,
    "",
    `- init: exec of /init to exec of containerd: ${r.initExecToRuntimeMs.toFixed(1)} ms`,
    `- PID 1 RSS: ${r.pid1RssKb} kB`,
    `- lease: ${r.lease.address}; resolv.conf: name servers ${r.lease.nameservers.join(", ")}, search ${r.lease.search.join(" ")}`,
    `- hostname: ${r.hostname}; kubelet: \`${r.kubeletArgv}\``,
    `- clock: stepped by ${r.clock.steppedBySeconds} s; ${r.clock.offsetAfterSeconds} s from the test's clock after`,
    `- restarts, kill to start again (median of ${r.restartMs.containerd.length}): containerd ${ms(median(r.restartMs.containerd))} ms, kubelet ${ms(median(r.restartMs.kubelet))} ms`,
    `- orphans reaped by PID 1: ${r.orphans.reaped}; zombies after: ${r.orphans.zombies}`,
    `- kubelet log read through its pipe: ${r.kubeletLog.bytes} bytes; kubelet healthz then: ${r.kubeletLog.healthz}`,
    `- os-release: ${Object.entries(r.osRelease).map(([k, v]) => `${k}=${v}`).join(" ")}`,
    `- /bin: ${r.bin.join(", ")}`,
    `- pods running: ${Object.entries(r.podsRunning).map(([pod, restarts]) => `${pod} (${restarts} restarts)`).join(", ")}`,
    `- shells on the host: ${r.shells.join(", ") || "none"}`,
    `- host processes: ${Object.entries(r.hostProcesses).map(([name, n]) => `${name} x${n}`).join(", ")}`,
    `- kernel modules: ${r.modules.join("; ") || "none loaded"}`,
    "",
    "| mount | options |",
    "| --- | --- |",
    ...r.mounts.map((m) => `| ${m.mountpoint} | ${m.options} |`),
    "",
  ].join("\n");
}

/** A horizontal timeline of the milestones and events, one labelled tick each. */
export function bootReportSvg(r: BootReport): string {
  return timelineSvg("kiOS boot (kernel clock)", [
    ...r.milestones,
    { name: "DHCP lease", ms: r.events.lease },
    { name: "node.yaml applied", ms: r.events.configApplied },
    { name: "clock stepped", ms: r.events.timeSynced },
  ]);
}

/** An SVG timeline: one labelled tick per step, in time order, on a scale from 0 to the last. */
export function timelineSvg(title: string, steps: { name: string; ms: number }[]): string {
  const ticks = [...steps].sort((a, b) => a.ms - b.ms);
  const width = 800;
  const left = 20;
  const scale = (width - 2 * left) / Math.max(1, ...ticks.map((m) => m.ms));
  const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const marks = ticks.map((m, i) => {
    const x = (left + m.ms * scale).toFixed(1);
    const y = 40 + i * 22;
    return (
      `<line x1="${x}" y1="30" x2="${x}" y2="${y}" stroke="#36c"/>` +
      `<text x="${x}" y="${y + 12}" font-size="12" font-family="sans-serif">${escape(m.name)} ${(m.ms / 1000).toFixed(2)} s</text>`
    );
  });
  const height = 60 + ticks.length * 22;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<line x1="${left}" y1="30" x2="${width - left}" y2="30" stroke="#333"/>`,
    `<text x="${left}" y="18" font-size="13" font-family="sans-serif">${escape(title)}</text>`,
    ...marks,
    "</svg>",
    "",
  ].join("\n");
}
