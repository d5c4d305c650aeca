/** Reading a smoke boot's console: milestones in order, the node's events, figures, and the failure message. */
import { describe, expect, it } from "vitest";
import { MissedMilestone } from "../../.dagger/src/boot/milestones.js";
import { bootReport, bootReportMarkdown, bootReportSvg, median } from "../../.dagger/src/boot/report.js";

const kills = (service: string, at: number) =>
  Array.from({ length: 10 }, (_, i) => [
    `[ ${(at + i * 2).toFixed(6).padStart(11)}] kios-probe: kill ${service} ${i + 1} pid ${100 + i}`,
    `[ ${(at + i * 2 + 0.05).toFixed(6).padStart(11)}] kiOS: ${service} (pid ${100 + i}) exited after 2000 ms: killed by signal 9`,
    `[ ${(at + i * 2 + 0.05 + (i + 1) / 1000).toFixed(6).padStart(11)}] kiOS: started ${service} (pid ${200 + i}): /bin/${service}`,
    `[ ${(at + i * 2 + 0.1).toFixed(6).padStart(11)}] kios-probe: back ${service} ${i + 1} pid ${200 + i}`,
  ]).flat();

// A console as OVMF and the kernel print it: firmware lines without timestamps first.
const lines = [
  "BdsDxe: loading Boot0001",
  "[    0.000000] Linux version 6.12.117 (kios@kios.build) #1",
  "[    1.250000] Run /init as init process",
  "[    1.300000] kiOS: init starting",
  "[    1.321500] kiOS: started containerd (pid 2): /bin/containerd --config /etc/containerd/config.toml",
  "[    3.000000] kiOS: containerd ready",
  "[    3.010000] kiOS: started kubelet (pid 40): /bin/kubelet --config /etc/kubernetes/config.yaml",
  "[   12.000000] kios-bootstrap: applied node.yaml on config drive /dev/vdb: wrote /etc/hostname; kubelet restart asked",
  "[   12.100000] kiOS: started kubelet (pid 90): /bin/kubelet --config /etc/kubernetes/config.yaml --node-labels a=b",
  "[   15.000000] kios-probe: lease eth0 10.0.2.57/24 resolv.conf search kios.test;nameserver 10.0.2.1;",
  "[   15.100000] kios-probe: kubelet-argv /bin/kubelet --config /etc/kubernetes/config.yaml --node-labels a=b ",
  "[   15.200000] kios-probe: hostname kios-smoke",
  "[   18.000000] kios-probe: time stepped by 3600.012 seconds at 2027-01-15T08:00:01.000000000Z now 1800000002.500000",
  "[   20.000000] kios-probe: pid1 VmRSS:\t    2108 kB",
  "[   20.000500] kios-probe: os-release NAME=Acme Node OS;ID=acme;ID_LIKE=kios;",
  "[   20.001000] kios-probe: bin runc kubelet containerd containerd-shim-runc-v2",
  "[   20.001500] kios-probe: shells none",
  "[   20.001600] kios-probe: host-processes containerd=1 containerd-shim=4 kiOS=1 kubelet=1 ",
  "[   20.002000] kios-probe: mount /proc rw,nosuid,nodev,noexec,relatime",
  "[   20.003000] kios-probe: mount /dev rw,nosuid,noexec,relatime",
  "[   20.003500] kios-probe: module ip_vs_rr loaded",
  ...kills("containerd", 21),
  ...kills("kubelet", 41),
  "[   61.000000] kios-probe: orphans start",
  "[   61.500000] kiOS: reaped 1 orphan(s)",
  "[   61.600000] kiOS: reaped 100 orphan(s)",
  "[   71.600000] kios-probe: orphans zombies 0",
  "[   72.000000] kiOS: reaped 3 orphan(s)",
  "[   80.000000] kios-probe: kubelet-log bytes 2200000 healthz ok pid 300",
  "[   80.003000] kios-probe: pods-running kios-ntp-kios-smoke:0 probe-kios-smoke:0 kios-dhcp-kios-smoke:2",
  "[   80.004000] kios-probe: done",
  "[   85.500000] reboot: Power down",
];
const dhcpLog = [
  "1799999998300 dnsmasq-dhcp[23]: 1768277778 DHCPREQUEST(kios0) 10.0.2.57 52:54:00:6b:69:01",
  "1799999998400 dnsmasq-dhcp[23]: 1768277778 DHCPACK(kios0) 10.0.2.57 52:54:00:6b:69:01 ",
  "1800000030000 dnsmasq-dhcp[23]: 2234954539 DHCPACK(kios0) 10.0.2.57 52:54:00:6b:69:01 ",
].join("\n");
const run = (text: string) => ({
  console: text,
  ukiSha256: "ab".repeat(32),
  dhcpLog,
  stamps: [{ line: "[   18.000000] kios-probe: time stepped by 3600.012 seconds at 2027-01-15T08:00:01.000000000Z now 1800000002.500000", epochMs: 1_800_000_001_400 }],
});
const good = run(lines.join("\r\n"));

describe("boot report", () => {
  it("times each milestone on the kernel's clock, and the node's own events", () => {
    const r = bootReport(good);
    expect(r.milestones).toEqual([
      { name: "kernel banner", ms: 0 },
      { name: "init started", ms: 1300 },
      { name: "containerd ready", ms: 3000 },
      { name: "kubelet started", ms: 3010 },
      { name: "probe done", ms: 80004 },
      { name: "powered off", ms: 85500 },
    ]);
    // The lease: the DHCP server's first ACK (wall clock), 3 s before the stamped console line at 18 s.
    // The step: chrony's log line 1.5 s before the probe's, which read the clock at once.
    expect(r.events).toEqual({ lease: 15000, configApplied: 12100, timeSynced: 16500 });
    expect(r.ukiSha256).toBe("ab".repeat(32));
  });

  it("finds a kernel record that starts after a service's unterminated output on the same line", () => {
    const mixed = good.console.replace("[    3.000000] kiOS: containerd ready", "INFO serving... address=/run/containerd/containerd.sock[    3.000000] kiOS: containerd ready");
    expect(mixed).not.toBe(good.console);
    expect(bootReport(run(mixed)).milestones[2]).toEqual({ name: "containerd ready", ms: 3000 });
  });

  it("reads the probe's facts: lease, kubelet flags, clock, restarts, orphans, logs, the host's surface", () => {
    const r = bootReport(good);
    expect(r.initExecToRuntimeMs).toBeCloseTo(71.5, 6);
    expect(r.lease).toEqual({ address: "10.0.2.57/24", nameservers: ["10.0.2.1"], search: ["kios.test"] });
    expect(r.kubeletArgv).toBe("/bin/kubelet --config /etc/kubernetes/config.yaml --node-labels a=b");
    expect(r.hostname).toBe("kios-smoke");
    expect(r.clock).toEqual({ steppedBySeconds: 3600.012, offsetAfterSeconds: 1.1 });
    expect(r.restartMs.containerd.map((v) => Math.round(v))).toEqual([51, 52, 53, 54, 55, 56, 57, 58, 59, 60]);
    expect(median(r.restartMs.kubelet)).toBeCloseTo(55.5, 6);
    expect(r.orphans).toEqual({ reaped: 101, zombies: 0 });
    expect(r.kubeletLog).toEqual({ bytes: 2200000, healthz: "ok" });
    expect(r.pid1RssKb).toBe(2108);
    expect(r.bin).toEqual(["containerd", "containerd-shim-runc-v2", "kubelet", "runc"]);
    expect(r.osRelease).toEqual({ NAME: "Acme Node OS", ID: "acme", ID_LIKE: "kios" });
    expect(r.podsRunning).toEqual({ "kios-ntp-kios-smoke": 0, "probe-kios-smoke": 0, "kios-dhcp-kios-smoke": 2 });
    expect(r.shells).toEqual([]);
    expect(r.hostProcesses).toEqual({ containerd: 1, "containerd-shim": 4, kiOS: 1, kubelet: 1 });
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
      bootReport(run(broken));
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
    [swapped[swapped.length - 2], swapped[swapped.length - 1]] = [swapped.at(-1)!, swapped.at(-2)!];
    expect(() => bootReport(run(swapped.join("\n")))).toThrow(/missed "powered off"/);
  });

  it("fails without a lease in the DHCP server's log", () => {
    expect(() => bootReport({ ...good, dhcpLog: dhcpLog.replace(/DHCPACK/g, "DHCPNAK") })).toThrow(/no DHCP lease in the DHCP server's log/);
  });

  it("fails when the node never applied its node.yaml, or a service never came back", () => {
    expect(() => bootReport(run(lines.filter((l) => !l.includes("--node-labels a=b") || l.includes("kios-probe")).join("\n")))).toThrow(
      'boot report: no "config applied" on the console',
    );
    const noRestart = lines.filter((l) => !l.includes("started kubelet (pid 209)")).join("\n");
    expect(() => bootReport(run(noRestart))).toThrow(/kubelet did not start again after: kios-probe: kill kubelet 10 pid 109/);
  });

  it("renders Markdown and an SVG timeline with every milestone and event", () => {
    const r = bootReport(good);
    const md = bootReportMarkdown(r);
    const svg = bootReportSvg(r);
    for (const m of r.milestones) {
      expect(md).toContain(`| ${m.name} | ${m.ms.toFixed(0)} |`);
      expect(svg).toContain(`${m.name} ${(m.ms / 1000).toFixed(2)} s`);
    }
    expect(svg).toContain("DHCP lease 15.00 s");
    expect(md).toContain("- orphans reaped by PID 1: 101; zombies after: 0");
    expect(svg.startsWith("<svg")).toBe(true);
  });
});
