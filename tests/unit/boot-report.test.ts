/** Reading a smoke boot's console: milestones in order, figures, and the failure message. */
import { describe, expect, it } from "vitest";
import { MissedMilestone } from "../../.dagger/src/boot/milestones.js";
import { bootReport, bootReportMarkdown, bootReportSvg } from "../../.dagger/src/boot/report.js";

// A console as OVMF and the kernel print it: firmware lines without timestamps first.
const lines = [
  "BdsDxe: loading Boot0001",
  "[    0.000000] Linux version 6.12.117 (kios@kios.build) #1",
  "[    1.250000] Run /init as init process",
  "[    1.300000] kiOS: init starting",
  "[    1.321500] kiOS: started containerd (pid 2): /bin/containerd --config /etc/containerd/config.toml",
  "[    3.000000] kiOS: containerd ready",
  "[    3.010000] kiOS: started kubelet (pid 40): /bin/kubelet --config /etc/kubernetes/config.yaml",
  "[   20.000000] kios-smoke: pid1 VmRSS:\t    2108 kB",
  "[   20.001000] kios-smoke: bin runc kubelet containerd containerd-shim-runc-v2",
  "[   20.002000] kios-smoke: mount /proc rw,nosuid,nodev,noexec,relatime",
  "[   20.003000] kios-smoke: mount /dev rw,nosuid,noexec,relatime",
  "[   20.003500] kios-smoke: module ip_vs_rr loaded",
  "[   20.004000] kios-smoke: done",
  "[   25.500000] reboot: Power down",
];
const console = lines.join("\r\n");

describe("boot report", () => {
  it("times each milestone on the kernel's clock", () => {
    const r = bootReport(console);
    expect(r.milestones).toEqual([
      { name: "kernel banner", ms: 0 },
      { name: "init started", ms: 1300 },
      { name: "containerd ready", ms: 3000 },
      { name: "kubelet started", ms: 3010 },
      { name: "static pod ran", ms: 20004 },
      { name: "powered off", ms: 25500 },
    ]);
  });

  it("finds a kernel record that starts after a service's unterminated output on the same line", () => {
    const mixed = console.replace("[    3.000000] kiOS: containerd ready", "INFO serving... address=/run/containerd/containerd.sock[    3.000000] kiOS: containerd ready");
    expect(mixed).not.toBe(console);
    expect(bootReport(mixed).milestones[2]).toEqual({ name: "containerd ready", ms: 3000 });
  });

  it("measures exec of /init to exec of containerd, PID 1 RSS, /bin, mounts and module loads", () => {
    const r = bootReport(console);
    expect(r.initExecToRuntimeMs).toBeCloseTo(71.5, 6);
    expect(r.pid1RssKb).toBe(2108);
    expect(r.bin).toEqual(["containerd", "containerd-shim-runc-v2", "kubelet", "runc"]);
    expect(r.mounts).toEqual([
      { mountpoint: "/proc", options: "rw,nosuid,nodev,noexec,relatime" },
      { mountpoint: "/dev", options: "rw,nosuid,noexec,relatime" },
    ]);
    expect(r.modules).toEqual(["ip_vs_rr loaded"]);
    expect(bootReportMarkdown(r)).toContain("- kernel modules: ip_vs_rr loaded\n");
  });

  it("fails on the first missed milestone, naming it and showing the console tail", () => {
    const broken = lines.filter((l) => !l.includes("containerd ready")).join("\n");
    let error: unknown;
    try {
      bootReport(broken);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissedMilestone);
    const m = error as MissedMilestone;
    expect(m.milestone).toBe("containerd ready");
    expect(m.reached.map((r) => r.name)).toEqual(["kernel banner", "init started"]);
    expect(m.message).toContain("reboot: Power down");
  });

  it("does not accept milestones out of order", () => {
    const swapped = [...lines];
    [swapped[5], swapped[6]] = [swapped[6], swapped[5]];
    expect(() => bootReport(swapped.join("\n"))).toThrow(/missed "kubelet started"/);
  });

  it("renders Markdown and an SVG timeline with every milestone", () => {
    const r = bootReport(console);
    const md = bootReportMarkdown(r);
    const svg = bootReportSvg(r);
    for (const m of r.milestones) {
      expect(md).toContain(`| ${m.name} | ${m.ms.toFixed(0)} |`);
      expect(svg).toContain(`${m.name} ${(m.ms / 1000).toFixed(2)} s`);
    }
    expect(svg.startsWith("<svg")).toBe(true);
  });
});
