/**
 * A kiOS node in a real cluster: the release UKI, signed and booted under
 * Secure Boot, joins a control plane the pipeline built (etcd,
 * kube-apiserver, controller manager, scheduler) through its config drive
 * alone, TLS-bootstraps, goes Ready with its own pod network, runs a
 * Deployment the scheduler gives it, serves logs and exec to the API server
 * but nothing to anonymous callers, and drains on the power button: the
 * real kubelet, patched to use PID 1's system socket, terminates the pod
 * (its preStop mark shows in the API) before PID 1 powers off.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterReport } from "../../.dagger/src/boot/cluster-report.js";
import { withKios } from "../support/kios.js";
import { daggerSigning, makeTestKeys, TestKeys } from "../support/secure-boot-keys.js";

let keys: TestKeys;
let out: string;
let report: ClusterReport;

beforeAll(async () => {
  keys = makeTestKeys();
  out = fs.mkdtempSync(path.join(os.tmpdir(), "kios-cluster-"));
  await withKios(async (kios) => {
    const { key, cert } = daggerSigning(keys);
    const uki = await kios.sign(await kios.uki(), key, cert);
    const boot = await kios.clusterBoot(uki, cert, String(Date.now()));
    await (await boot.clusterReport()).export(out);
  });
  report = JSON.parse(fs.readFileSync(path.join(out, "cluster-report.json"), "utf8"));
}, 3 * 60 * 60_000);

afterAll(() => {
  keys?.remove();
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

describe("cluster", () => {
  it("joins through its config drive: the kubelet restarted with the bootstrap kubeconfig, its client CSR approved", () => {
    expect(report.kubeletArgv).toBe(
      "/bin/kubelet --config /etc/kubernetes/config.yaml --node-labels kios.dev/test=cluster --kubeconfig /etc/kubernetes/kubelet.conf --bootstrap-kubeconfig /etc/kubernetes/bootstrap-kubelet.conf",
    );
    expect(report.csr).toMatch(/^kubernetes\.io\/kube-apiserver-client-kubelet Approved system:bootstrap:[a-z0-9]{6}$/);
    expect(report.node).toBe("kios-worker");
  });

  it("registers, goes Ready, and runs the pod the scheduler gives it, on its pod network", () => {
    const e = report.events;
    expect([e.kubeletClusterMode, e.nodeRegistered, e.nodeReady, e.podRunning]).toEqual(
      [...[e.kubeletClusterMode, e.nodeRegistered, e.nodeReady, e.podRunning]].sort((a, b) => a - b),
    );
    expect(report.pod.running).toMatch(/^hello-[a-z0-9-]+ on kios-worker 10\.88\.\d+\.\d+$/);
  });

  it("serves the pod's logs and exec through the API server, and nothing without credentials (401)", () => {
    expect(report.pod.logs).toMatch(/^hello from kios on hello-/);
    expect(report.pod.exec).toMatch(/^Linux version \d/);
    expect(report.anonymousStatus).toBe(401);
  });

  it("shows the kubelet's log to kubectl logs, through the kios-logs pod", () => {
    expect(report.kubeletLog.lines).toBeGreaterThan(20);
    expect(report.kubeletLog.pids).toEqual([report.kubeletPid]);
  });

  it("reports its own startup metrics", () => {
    expect(Object.keys(report.startupMetrics).length).toBeGreaterThan(0);
    for (const name of Object.keys(report.startupMetrics)) expect(name).toMatch(/^kubelet_node_startup/);
  });

  it("drains on the power button: the kubelet ends the pod (its preStop mark in the API), then the node powers off", () => {
    expect(report.pod.terminated).toMatch(/drained by the node shutdown$/);
    expect(report.nodeShutdown).toMatch(/shutting down/i);
    expect(report.events.poweredOff).toBeGreaterThan(report.events.powerButton);
    expect(report.powerButtonToPoweroffMs).toBeLessThan(60_000);
  });
});
