/**
 * The real init as PID 1 of an initramfs under QEMU TCG: what it sets up (as
 * the stand-in kubelet reports it on the console) and a clean power-off on
 * the ACPI power button.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initTestAssets, initTestKernel, type InitTestAssets } from "../../tests/support/init-exe.js";
import { checkQemu, consoleTime, Vm } from "./qemu.js";

let assets: InitTestAssets;
let kernel: string;
let vm: Vm | undefined;

beforeAll(async () => {
  checkQemu();
  assets = await initTestAssets();
  // kiOS's kernel: a cold build if no other test built it yet. (One engine connection at a time.)
  kernel = await initTestKernel();
}, 40 * 60_000);

afterAll(async () => {
  await vm?.dispose();
});

/** The values of "fake-kubelet: probe <key> <value>" console lines. */
function probes(console: string, key: string): string[] {
  const prefix = `fake-kubelet: probe ${key} `;
  return console
    .split("\n")
    .filter((line) => line.includes(prefix))
    .map((line) => line.slice(line.indexOf(prefix) + prefix.length).trim());
}

describe("init as PID 1 under QEMU", () => {
  it("boots, sets the machine up as specified, and powers off on the ACPI power button", async () => {
    vm = await Vm.boot(kernel, assets);
    await vm.waitForLine("fake-kubelet: connected to the system socket", 90_000);
    const booted = await vm.console();

    // Mounts and their flags, as the kubelet sees /proc/self/mountinfo.
    const mounts = new Map(
      probes(booted, "mount").map((line) => {
        const fields = line.split(" ");
        const dash = fields.indexOf("-");
        return [fields[4], { id: fields[0], parent: fields[1], options: fields[5]!.split(","), optional: fields.slice(6, dash).join(" "), fstype: fields[dash + 1] }];
      }),
    );
    // / was bound over itself: the same rootfs files on a mount with a parent, so runc can pivot_root.
    expect(booted).toMatch(/kiOS: bound \/ over itself in \d+ ms/);
    expect(mounts.get("/")!.fstype).toBe("rootfs");
    expect(mounts.get("/")!.parent, "/ has a parent mount").not.toBe(mounts.get("/")!.id);
    expect(probes(booted, "pivot-root")).toEqual(["ok"]);
    const expected: [string, string, boolean][] = [
      ["/proc", "proc", true], ["/sys", "sysfs", true], ["/dev", "devtmpfs", false], ["/dev/pts", "devpts", false],
      ["/sys/kernel/security", "securityfs", true], ["/sys/fs/cgroup", "cgroup2", true], ["/run", "tmpfs", true],
      ["/tmp", "tmpfs", true], ["/var/cache", "tmpfs", true], ["/var/tmp", "tmpfs", true], ["/var/run", "tmpfs", true],
      ["/var/lib/kubelet", "tmpfs", true],
    ];
    for (const [target, fstype, nodev] of expected) {
      const mount = mounts.get(target);
      expect(mount, `${target} mounted`).toBeDefined();
      expect(mount!.fstype, target).toBe(fstype);
      expect(mount!.options, target).toEqual(expect.arrayContaining(["nosuid", "noexec"]));
      expect(mount!.options.includes("nodev"), `${target} nodev`).toBe(nodev);
    }
    for (const shared of ["/", "/var/run", "/var/lib/kubelet"]) expect(mounts.get(shared)!.optional, `${shared} shared`).toMatch(/shared:/);

    expect(probes(booted, "lo-flags")).toEqual(["0x9"]); // IFF_UP | IFF_LOOPBACK
    expect(probes(booted, "ipv4-forward")).toEqual(["1"]);
    expect(probes(booted, "ipv6-forward")).toEqual(["1"]);
    expect(probes(booted, "init-file")).toEqual(["absent"]);
    expect(probes(booted, "pid1-comm")).toEqual(["kiOS"]);
    expect(probes(booted, "pid1-cmdline")[0]).toMatch(/^kiOS\|*$/);
    expect(probes(booted, "hostname")).toEqual(["kios-qemu-test"]);
    expect(booted).toContain("fake-containerd: start pid=");
    // The smoke boot's milestones, in order.
    const milestones = ["Run /init as init process", "kiOS: init starting", "kiOS: started containerd", "kiOS: containerd ready", "kiOS: started kubelet"]
      .map((text) => booted.indexOf(text));
    expect(milestones.every((i) => i >= 0), booted.slice(-3000)).toBe(true);
    expect([...milestones].sort((a, b) => a - b)).toEqual(milestones);

    // The ACPI power button: init tells the kubelet, which answers 0x02; then the shutdown phases.
    await vm.monitor("system_powerdown");
    const code = await Promise.race([vm.exited, new Promise((r) => setTimeout(() => r("timeout"), 60_000))]);
    const console = await vm.console();
    expect(code, console.slice(-3000)).toBe(0);
    // The kubelet hears the event before init goes on (init logs the request after telling it).
    const at = (line: string) => {
      const index = console.indexOf(line);
      expect(index, `"${line}" on the console\n${console.slice(-3000)}`).toBeGreaterThanOrEqual(0);
      return index;
    };
    const continued = at("kiOS: system socket: continueShutdown"); // the kubelet's 0x02
    expect(at("kiOS: power button: poweroff requested, told 1 system socket client(s)")).toBeLessThan(continued);
    expect(at("fake-kubelet: event 0x01")).toBeLessThan(continued);
    const order = [
      "kiOS: system socket: continueShutdown",
      "kiOS: shutdown: stop restarting services",
      "kiOS: shutdown: terminate every process",
      "fake-kubelet: term",
      "kiOS: shutdown: kill what is left",
      "kiOS: shutdown: close the system socket",
      "kiOS: shutdown: unmount filesystems",
      "kiOS: shutdown: sync",
      "kiOS: powering off",
      "reboot: Power down",
    ].map(at);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(console).not.toMatch(/Kernel panic|Attempted to kill init|restarting containerd|restarting kubelet/);
    expect(console).not.toMatch(/kiOS: umount/); // every mount came off cleanly, none busy
    // Exec of /init (the kernel's record just before it) to exec of the runtime, from kernel timestamps.
    const ms = (consoleTime(console, "kiOS: started containerd")! - consoleTime(console, "Run /init as init process")!) * 1000;
    expect(ms).toBeGreaterThan(0);
    process.stderr.write(`[kios] init under TCG: exec of /init to exec of containerd ${ms.toFixed(0)} ms (console printing on)\n`);
  }, 180_000);
});
