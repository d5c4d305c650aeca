/**
 * The cluster test's report: what the driver (boot/cluster/cluster-test.sh)
 * saw through the API server, each finding on the boot container's wall
 * clock, placed on the node's kernel clock through the harness's stamps of
 * console lines; as data and Markdown.
 */
import type { BootRun } from "../stages/boot.js";
import { parseConsole } from "./milestones.js";
import { timelineSvg } from "./report.js";

export interface ClusterReport {
  ukiSha256: string;
  /** The kubelet's argv when PID 1 started it with the bootstrap kubeconfig. */
  kubeletArgv: string;
  node: string;
  /** The node's client CSR: signer, condition, requester. */
  csr: string;
  /** Kernel clock (ms) at each step. */
  events: {
    kubeletClusterMode: number;
    csrApproved: number;
    nodeRegistered: number;
    nodeReady: number;
    podRunning: number;
    powerButton: number;
    poweredOff: number;
  };
  pod: { running: string; logs: string; exec: string; terminated: string };
  /** HTTP status of a request to the kubelet's port without credentials. */
  anonymousStatus: number;
  /** The node's Ready condition once the power button was pressed. */
  nodeShutdown: string;
  /** PID 1's kubelet in cluster mode. */
  kubeletPid: number;
  /** The kubelet's log read with kubectl logs (the kios-logs pod): its lines, and the pids their klog headers name. */
  kubeletLog: { lines: number; pids: number[] };
  /** The kubelet's own kubelet_node_startup_* metrics. */
  startupMetrics: Record<string, number>;
  powerButtonToPoweroffMs: number;
}

interface Finding {
  epochMs: number;
  text: string;
}

function findings(results: string): Finding[] {
  return results
    .split("\n")
    .filter(Boolean)
    .map((line) => ({ epochMs: Number(line.slice(0, line.indexOf(" "))), text: line.slice(line.indexOf(" ") + 1) }));
}

/** "63 lines from pids 495 512" */
function kubeletLogCounts(text: string): ClusterReport["kubeletLog"] {
  const m = /^(\d+) lines from pids ?([\d ]*)$/.exec(text);
  if (!m) throw new Error(`cluster test: unreadable kubelet log finding ${JSON.stringify(text)}`);
  return { lines: Number(m[1]), pids: m[2]!.split(" ").filter(Boolean).map(Number) };
}

export function clusterReport(run: Pick<BootRun, "console" | "stamps" | "ukiSha256">, results: string): ClusterReport {
  const found = findings(results);
  const failed = found.find((f) => f.text.startsWith("failed: "));
  if (failed) throw new Error(`cluster test ${failed.text}`);
  const get = (prefix: string): Finding => {
    const f = found.find((x) => x.text === prefix || x.text.startsWith(`${prefix} `));
    if (!f) throw new Error(`cluster test: no "${prefix}" in its results:\n${results}`);
    return f;
  };
  const rest = (prefix: string) => get(prefix).text.slice(prefix.length).trim();
  const lines = parseConsole(run.console);
  const clusterStart = lines.find((l) => l.ms !== undefined && /kiOS: started kubelet .*--bootstrap-kubeconfig/.test(l.text));
  if (!clusterStart) throw new Error("cluster test: PID 1 never started the kubelet with a bootstrap kubeconfig");
  // Wall clock to kernel clock: the stamped kubelet start with the bootstrap kubeconfig.
  const stamp = run.stamps.find((s) => /--bootstrap-kubeconfig/.test(s.line));
  const off = run.stamps.find((s) => /reboot: Power down/.test(s.line));
  if (!stamp) throw new Error("cluster test: the kubelet's cluster-mode start has no wall-clock stamp");
  if (!off) throw new Error("cluster test: the node never powered off");
  const kernelMs = (epochMs: number) => clusterStart.ms! + (epochMs - stamp.epochMs);
  const offMs = parseConsole(off.line)[0]?.ms;
  return {
    ukiSha256: run.ukiSha256,
    kubeletArgv: clusterStart.text.replace(/^kiOS: started kubelet \(pid \d+\): /, ""),
    kubeletPid: Number(/\(pid (\d+)\)/.exec(clusterStart.text)![1]),
    node: rest("registered").replace(/^node\//, ""),
    csr: rest("csr"),
    events: {
      kubeletClusterMode: clusterStart.ms!,
      csrApproved: kernelMs(get("csr").epochMs),
      nodeRegistered: kernelMs(get("registered").epochMs),
      nodeReady: kernelMs(get("ready").epochMs),
      podRunning: kernelMs(get("running").epochMs),
      powerButton: kernelMs(get("power button").epochMs),
      poweredOff: offMs ?? kernelMs(off.epochMs),
    },
    pod: { running: rest("running"), logs: rest("logs"), exec: rest("exec"), terminated: rest("terminated") },
    anonymousStatus: Number(rest("anonymous")),
    nodeShutdown: rest("node"),
    kubeletLog: kubeletLogCounts(rest("kubelet log")),
    startupMetrics: Object.fromEntries(
      found.filter((f) => f.text.startsWith("metric ")).map((f) => {
        const [, name, value] = f.text.split(" ");
        return [name!, Number(value)];
      }),
    ),
    powerButtonToPoweroffMs: off.epochMs - get("power button").epochMs,
  };
}

export function clusterReportMarkdown(r: ClusterReport): string {
  const s = (ms: number) => (ms / 1000).toFixed(2);
  return [
    "# kiOS cluster test",
    "",
    `UKI sha256: \`${r.ukiSha256}\``,
    "",
    "| step | kernel clock (s) |",
    "| --- | --- |",
    `| kubelet started in cluster mode | ${s(r.events.kubeletClusterMode)} |`,
    `| client certificate approved | ${s(r.events.csrApproved)} |`,
    `| Node ${r.node} registered | ${s(r.events.nodeRegistered)} |`,
    `| Node Ready | ${s(r.events.nodeReady)} |`,
    `| first API pod Running | ${s(r.events.podRunning)} |`,
    `| power button | ${s(r.events.powerButton)} |`,
    `| powered off | ${s(r.events.poweredOff)} |`,
    "",
    `- kubelet: \`${r.kubeletArgv}\``,
    `- client certificate request: ${r.csr}`,
    `- pod: ${r.pod.running}; logs "${r.pod.logs}"; exec "${r.pod.exec}"`,
    `- the kubelet's port without credentials: HTTP ${r.anonymousStatus}`,
    `- the kubelet's log through kubectl logs (kios-logs): ${r.kubeletLog.lines} lines, from pids ${r.kubeletLog.pids.join(", ")} (PID 1 started the kubelet in cluster mode as ${r.kubeletPid})`,
    `- on the power button: pod ${r.pod.terminated}; node ${r.nodeShutdown}; powered off ${r.powerButtonToPoweroffMs} ms later`,
    `- kubelet startup metrics: ${Object.entries(r.startupMetrics).map(([k, v]) => `${k} ${v}`).join("; ")}`,
    "",
  ].join("\n");
}

/** The cluster test's steps on a timeline, like the boot report's. */
export function clusterReportSvg(r: ClusterReport): string {
  const e = r.events;
  return timelineSvg("kiOS node in a cluster (kernel clock)", [
    { name: "kubelet in cluster mode", ms: e.kubeletClusterMode },
    { name: "CSR approved", ms: e.csrApproved },
    { name: "Node registered", ms: e.nodeRegistered },
    { name: "Node Ready", ms: e.nodeReady },
    { name: "API pod Running", ms: e.podRunning },
    { name: "power button", ms: e.powerButton },
    { name: "powered off", ms: e.poweredOff },
  ]);
}
