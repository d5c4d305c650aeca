import { describe, expect, it } from "vitest";
import { Init } from "./init.js";
import { FakeSys } from "./test/fake-sys.js";

/** The calls that change the machine, without the mkdirs of mount points. */
function steps(sys: FakeSys): string[] {
  return sys.calls.filter((call) => !call.startsWith("mkdir "));
}

async function boot(files: Record<string, string> = {}): Promise<{ sys: FakeSys; init: Init }> {
  const sys = new FakeSys({ "/init": "executable", ...files });
  const init = new Init(sys);
  init.boot();
  return { sys, init };
}

describe("boot", () => {
  it("runs every upstream step in order", async () => {
    const { sys } = await boot({
      "/etc/hostname": "node-a\n",
      "/bin/kubelet": "",
      "/proc/sys/net/ipv4/conf/eth0/promote_secondaries": "0\n",
      "/proc/sys/net/ipv4/conf/lo/promote_secondaries": "0\n",
    });
    expect(steps(sys)).toEqual([
      // (the root has a parent mount here: it stays where it is)
      // 2. mounts, with their flags (0x2 nosuid, 0x4 nodev, 0x8 noexec)
      "mount proc /proc proc 0xe -",
      "mount sysfs /sys sysfs 0xe -",
      "mount devtmpfs /dev devtmpfs 0xa mode=0755",
      "mount devpts /dev/pts devpts 0xa mode=0620,ptmxmode=0666",
      "mount securityfs /sys/kernel/security securityfs 0xe -",
      "mount cgroup2 /sys/fs/cgroup cgroup2 0xe -",
      "mount tmpfs /run tmpfs 0xe mode=0755",
      "mount tmpfs /tmp tmpfs 0xe mode=1777",
      "mount tmpfs /var/cache tmpfs 0xe mode=0755",
      "mount tmpfs /var/tmp tmpfs 0xe mode=1777",
      "mount tmpfs /var/run tmpfs 0xe mode=0755",
      "mount - /var/run - 0x100000 -", // shared
      "mount tmpfs /var/lib/kubelet tmpfs 0xe mode=0755",
      "mount - /var/lib/kubelet - 0x100000 -", // shared
      "mount /bin /bin - 0x5000 -", // bound over itself (recursively), then read-only, nosuid, nodev
      "mount - /bin - 0x1027 -",
      "mount - / - 0x104000 -", // recursively shared, last
      // 3. loopback
      "up lo",
      // 4. the runtime, logging to its pipe, with PATH=/bin
      "mkfifo /var/run/containerd.log 600",
      "spawn 100 /bin/containerd --config /etc/containerd/config.toml [PATH=/bin HOME=/] > /var/run/containerd.log",
      // 5. forwarding, and promote_secondaries everywhere (dhcpcd's pod cannot set it)
      'write /proc/sys/net/ipv4/ip_forward "1\\n"',
      'write /proc/sys/net/ipv6/conf/all/forwarding "1\\n"',
      'write /proc/sys/net/ipv4/conf/all/promote_secondaries "1\\n"',
      'write /proc/sys/net/ipv4/conf/default/promote_secondaries "1\\n"',
      'write /proc/sys/net/ipv4/conf/eth0/promote_secondaries "1\\n"',
      'write /proc/sys/net/ipv4/conf/lo/promote_secondaries "1\\n"',
      // 6. system socket
      "listen /run/system.sock",
      // 7. signals (and the ACPI power button)
      "signals handled",
      "power button handled",
      // 8. hide
      "process name kiOS",
      "unlink /init",
      // 9. wait for the runtime socket
      "watch /run/containerd/containerd.sock",
    ]);
    expect(sys.files.has("/init")).toBe(false);

    // 10. the kubelet starts once the socket appears, hostname first.
    expect(sys.log).not.toContain("<5>kiOS: containerd ready\n");
    sys.create("/run/containerd/containerd.sock");
    expect(sys.log.slice(-2)[0]).toBe("<5>kiOS: containerd ready\n");
    expect(sys.log.at(-1)).toMatch(/^<6>kiOS: started kubelet \(pid 101\): /);
    expect(steps(sys).slice(-3)).toEqual([
      "sethostname node-a",
      "mkfifo /var/run/kubelet.log 600",
      "spawn 101 /bin/kubelet --config /etc/kubernetes/config.yaml [PATH=/bin HOME=/] > /var/run/kubelet.log",
    ]);
  });

  it("creates the runtime's and the kubelet's state directories after mounting", async () => {
    const { sys } = await boot();
    const mkdirs = sys.calls.filter((call) => call.startsWith("mkdir "));
    for (const dir of ["/run/containerd 711", "/var/lib/containerd 711", "/var/lib/kubelet/pods 750", "/var/lib/kubelet/seccomp 755"]) {
      expect(mkdirs).toContain(`mkdir ${dir}`);
    }
    const lastMount = sys.calls.indexOf("mount tmpfs /var/lib/kubelet tmpfs 0xe mode=0755");
    expect(lastMount).toBeGreaterThan(0);
    expect(sys.calls.indexOf("mkdir /var/lib/kubelet/pods 750")).toBeGreaterThan(lastMount);
    // mount points exist before their mounts
    expect(sys.calls.indexOf("mkdir /dev/pts 755")).toBeLessThan(sys.calls.indexOf("mount devpts /dev/pts devpts 0xa mode=0620,ptmxmode=0666"));
  });

  it("starts the kubelet at once when the runtime socket already exists", async () => {
    const { sys } = await boot({ "/run/containerd/containerd.sock": "" });
    expect(steps(sys).at(-1)).toMatch(/^spawn 101 \/bin\/kubelet /);
  });

  it("sets no hostname when /etc/hostname is absent", async () => {
    const { sys } = await boot();
    sys.create("/run/containerd/containerd.sock");
    expect(sys.calls.some((call) => call.startsWith("sethostname"))).toBe(false);
    expect(sys.pidOf("/bin/kubelet")).toBe(101);
  });

  it("logs through kmsg with the kiOS prefix and a priority", async () => {
    const { sys } = await boot();
    expect(sys.log[0]).toBe("<5>kiOS: init starting\n");
    for (const record of sys.log) expect(record).toMatch(/^<[0-7]>kiOS: [^\n]*\n$/);
  });

  it("logs the smoke boot's milestones, in order, with stable texts", async () => {
    const { sys } = await boot();
    sys.create("/run/containerd/containerd.sock");
    const milestones = ["<5>kiOS: init starting", "<6>kiOS: started containerd ", "<5>kiOS: containerd ready", "<6>kiOS: started kubelet "];
    const at = milestones.map((m) => sys.log.findIndex((record) => record.startsWith(m)));
    expect(at.every((i) => i >= 0), JSON.stringify(sys.log)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it("goes on booting when a step fails, and logs the failure", async () => {
    const sys = new FakeSys({ "/init": "" });
    sys.mount = (_s, target) => {
      throw new Error(`mount ${target}: EPERM`);
    };
    sys.interfaceUp = () => {
      throw new Error("SIOCSIFFLAGS lo: ENODEV");
    };
    sys.powerButtonMissing = true;
    new Init(sys).boot();
    expect(sys.log).toContain("<3>kiOS: mount /proc: EPERM\n");
    expect(sys.log).toContain("<3>kiOS: bring up loopback: SIOCSIFFLAGS lo: ENODEV\n");
    expect(sys.log.some((r) => r.startsWith("<4>kiOS: no power button events"))).toBe(true);
    expect(sys.pidOf("/bin/containerd")).toBe(100);
    expect(sys.calls).toContain("listen /run/system.sock");
    expect(sys.log.at(-1)).toBe("<5>kiOS: booted\n");
  });
});
