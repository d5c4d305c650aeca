/** Reading the cluster test's findings onto the node's kernel clock. */
import { describe, expect, it } from "vitest";
import { clusterReport, clusterReportMarkdown, clusterReportSvg } from "../../.dagger/src/boot/cluster-report.js";

const argv = "/bin/kubelet --config /etc/kubernetes/config.yaml --kubeconfig /etc/kubernetes/kubelet.conf --bootstrap-kubeconfig /etc/kubernetes/bootstrap-kubelet.conf";
const started = `[   20.000000] kiOS: started kubelet (pid 300): ${argv}`;
const console = [`[    5.000000] kiOS: started kubelet (pid 58): /bin/kubelet --config /etc/kubernetes/config.yaml`, started, "[   70.500000] reboot: Power down"].join("\n");
const T = 1_800_000_000_000; // the wall clock at the stamped cluster-mode start
const run = { console, ukiSha256: "cd".repeat(32), stamps: [{ line: started, epochMs: T }, { line: "[   70.500000] reboot: Power down", epochMs: T + 50_400 }] };
const results = [
  `${T + 3_900} csr kubernetes.io/kube-apiserver-client-kubelet Approved system:bootstrap:abcdef`,
  `${T + 4_000} registered node/kios-worker`,
  `${T + 9_000} ready`,
  `${T + 15_000} running hello-5d8-x2 on kios-worker 10.88.0.4`,
  `${T + 15_500} logs hello from kios on hello-5d8-x2`,
  `${T + 16_000} exec Linux version 6.12.117 (kios@kios.build)`,
  `${T + 16_400} anonymous 401`,
  `${T + 16_500} metric kubelet_node_startup_duration_seconds 3.2`,
  `${T + 16_600} metric kubelet_node_startup_pre_kubelet_duration_seconds 1.1`,
  `${T + 16_700} kubelet log 63 lines from pids 300 `,
  `${T + 20_000} power button`,
  `${T + 40_000} terminated Error: drained by the node shutdown`,
  `${T + 40_100} node KubeletNotReady: node is shutting down`,
  `${T + 40_200} done`,
].join("\n");

describe("cluster report", () => {
  it("places each finding on the kernel clock through the stamped cluster-mode start", () => {
    const r = clusterReport(run, results);
    expect(r.events).toEqual({ kubeletClusterMode: 20_000, csrApproved: 23_900, nodeRegistered: 24_000, nodeReady: 29_000, podRunning: 35_000, powerButton: 40_000, poweredOff: 70_500 });
    expect(r.kubeletArgv).toBe(argv);
    expect(r.node).toBe("kios-worker");
    expect(r.csr).toBe("kubernetes.io/kube-apiserver-client-kubelet Approved system:bootstrap:abcdef");
    expect(r.pod).toEqual({ running: "hello-5d8-x2 on kios-worker 10.88.0.4", logs: "hello from kios on hello-5d8-x2", exec: "Linux version 6.12.117 (kios@kios.build)", terminated: "Error: drained by the node shutdown" });
    expect(r.anonymousStatus).toBe(401);
    expect(r.kubeletLog).toEqual({ lines: 63, pids: [300] });
    expect(r.kubeletPid).toBe(300);
    expect(r.startupMetrics).toEqual({ kubelet_node_startup_duration_seconds: 3.2, kubelet_node_startup_pre_kubelet_duration_seconds: 1.1 });
    expect(r.powerButtonToPoweroffMs).toBe(30_400);
    expect(clusterReportMarkdown(r)).toContain("| Node Ready | 29.00 |");
    const svg = clusterReportSvg(r);
    expect(svg.match(/<text [^>]*>[^<]+<\/text>/g)!.slice(1).map((t) => t.replace(/<[^>]+>/g, ""))).toEqual([
      "kubelet in cluster mode 20.00 s",
      "CSR approved 23.90 s",
      "Node registered 24.00 s",
      "Node Ready 29.00 s",
      "API pod Running 35.00 s",
      "power button 40.00 s",
      "powered off 70.50 s",
    ]);
  });

  it("fails naming the step the test did not get past", () => {
    expect(() => clusterReport(run, `${T} failed: node not Ready: NetworkPluginNotReady`)).toThrow("cluster test failed: node not Ready: NetworkPluginNotReady");
    expect(() => clusterReport(run, results.split("\n").filter((l) => !l.includes(" ready")).join("\n"))).toThrow(/no "ready" in its results/);
    expect(() => clusterReport({ ...run, console: console.replace(started, "") }, results)).toThrow(/never started the kubelet with a bootstrap kubeconfig/);
  });
});
