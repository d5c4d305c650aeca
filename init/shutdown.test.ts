import { describe, expect, it } from "vitest";
import { DRAIN_TIMEOUT_MS, Init, KILL_GRACE_MS, TERM_GRACE_MS } from "./init.js";
import { unmountOrder } from "./mounts.js";
import { RESTART_BURST, RESTART_REFILL_MS } from "./services.js";
import { FakeSys } from "./test/fake-sys.js";

const MOUNTINFO = [
  "22 1 0:21 / / rw,relatime shared:1 - rootfs rootfs rw",
  "23 22 0:22 / /proc rw,nosuid,nodev,noexec shared:2 - proc proc rw",
  "24 22 0:23 / /sys rw,nosuid,nodev,noexec shared:3 - sysfs sysfs rw",
  "25 22 0:5 / /dev rw,nosuid,noexec shared:4 - devtmpfs devtmpfs rw,mode=755",
  "26 25 0:24 / /dev/pts rw,nosuid,noexec shared:5 - devpts devpts rw",
  "27 24 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec shared:6 - cgroup2 cgroup2 rw",
  "28 22 0:26 / /var/lib/kubelet rw,nosuid,nodev,noexec shared:7 - tmpfs tmpfs rw",
  "29 28 0:27 / /var/lib/kubelet/pods/x/volumes/my\\040vol rw shared:7 - tmpfs tmpfs rw",
  "30 23 0:28 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw",
  "",
].join("\n");

async function running(): Promise<{ sys: FakeSys; init: Init }> {
  const sys = new FakeSys({ "/init": "", "/proc/self/mountinfo": MOUNTINFO });
  const init = new Init(sys);
  init.boot();
  sys.create("/run/containerd/containerd.sock");
  return { sys, init };
}

/** Every live process obeys SIGTERM, like a well-behaved node. */
function obeyTerm(sys: FakeSys): void {
  const kill = sys.kill.bind(sys);
  sys.kill = (pid, signal) => {
    kill(pid, signal);
    if (pid === -1 && signal === "SIGTERM") for (const live of [...sys.live.keys()]) sys.exit(live, 0);
  };
}

const afterBoot = (sys: FakeSys) => {
  const mark = sys.calls.length;
  return () => sys.calls.slice(mark).filter((c) => !c.startsWith("mkdir "));
};

describe("shutdown", () => {
  it("unmounts leaf-first from mountinfo, skipping / and /proc", () => {
    expect(unmountOrder(MOUNTINFO)).toEqual([
      "/var/lib/kubelet/pods/x/volumes/my vol",
      "/var/lib/kubelet",
      "/sys/fs/cgroup",
      "/dev/pts",
      "/dev",
      "/sys",
    ]);
  });

  it("with no client, SIGTERM runs the whole sequence at once: TERM, KILL, unmount, sync, power off", async () => {
    const { sys } = await running();
    const since = afterBoot(sys);
    obeyTerm(sys);
    sys.signal("SIGTERM");
    await sys.advance(0);
    expect(since()).toEqual([
      "kill -1 SIGTERM",
      "kill -1 SIGKILL",
      "stop listening /run/system.sock",
      "close outputs", // the log pipes PID 1 held open, so that /var/run can be unmounted
      "umount /var/lib/kubelet/pods/x/volumes/my vol 0",
      "umount /var/lib/kubelet 0",
      "umount /sys/fs/cgroup 0",
      "umount /dev/pts 0",
      "umount /dev 0",
      "umount /sys 0",
      "sync",
      "reboot poweroff",
    ]);
  });

  it("waits for processes after SIGTERM, then kills what is left", async () => {
    const { sys } = await running();
    const since = afterBoot(sys);
    sys.signal("SIGTERM");
    await sys.advance(TERM_GRACE_MS - 1);
    expect(since()).toEqual(["kill -1 SIGTERM"]);
    sys.exit(sys.pidOf("/bin/kubelet"), 0); // the kubelet obeys, the runtime does not
    await sys.advance(1);
    expect(since()).toEqual(["kill -1 SIGTERM", "kill -1 SIGKILL"]);
    sys.exit(sys.pidOf("/bin/containerd"), null, 9);
    await sys.advance(0);
    expect(since().slice(-2)).toEqual(["sync", "reboot poweroff"]);
  });

  it("goes on after the KILL grace period even if a process never dies", async () => {
    const { sys } = await running();
    sys.signal("SIGTERM");
    await sys.advance(TERM_GRACE_MS + KILL_GRACE_MS - 1);
    expect(sys.calls).not.toContain("sync");
    await sys.advance(1);
    expect(sys.calls.slice(-2)).toEqual(["sync", "reboot poweroff"]);
  });

  it("restarts nothing once processes are being stopped", async () => {
    const { sys } = await running();
    obeyTerm(sys);
    sys.signal("SIGTERM");
    await sys.advance(60_000);
    expect(sys.calls.filter((c) => c.startsWith("spawn "))).toHaveLength(2);
    expect(sys.pendingTimers()).toBe(0);
  });

  it("cancels a pending restart when shutdown begins", async () => {
    const { sys } = await running();
    const kubeletStarts = () => sys.calls.filter((c) => c.startsWith("spawn ") && c.includes("kubelet")).length;
    // The restart budget used up: the last exit's restart waits.
    for (let i = 0; i <= RESTART_BURST; i++) sys.exit(sys.pidOf("/bin/kubelet"), 1);
    expect(kubeletStarts()).toBe(1 + RESTART_BURST);
    expect(sys.pendingTimers()).toBe(1);
    obeyTerm(sys);
    sys.signal("SIGTERM");
    await sys.advance(2 * RESTART_REFILL_MS);
    expect(kubeletStarts()).toBe(1 + RESTART_BURST);
  });

  it("broadcasts the shutdown event to every client and waits for 0x02", async () => {
    const { sys } = await running();
    const kubelet = sys.connect();
    const watcher = sys.connect();
    const since = afterBoot(sys);
    obeyTerm(sys);
    kubelet.write(0x01);
    expect(kubelet.received).toEqual([0x01]);
    expect(watcher.received).toEqual([0x01]);
    await sys.advance(10_000);
    expect(since()).toEqual([]); // draining: nothing killed yet
    kubelet.write(0x02);
    await sys.advance(0);
    expect(since()[0]).toBe("kill -1 SIGTERM");
    expect(since().at(-1)).toBe("reboot poweroff");
    expect(kubelet.closedByInit && watcher.closedByInit).toBe(true); // before /run is unmounted
  });

  it("ignores a 0x02 that answers no shutdown event: the node runs on", async () => {
    const { sys } = await running();
    const since = afterBoot(sys);
    sys.connect().write(0x02);
    await sys.advance(60_000);
    expect(since()).toEqual([]);
    expect(sys.log.at(-1)).toBe("<4>kiOS: system socket: continueShutdown without a shutdown under way: ignored\n");
  });

  it("keeps restarting services while the node drains", async () => {
    const { sys } = await running();
    sys.connect();
    sys.signal("SIGTERM");
    await sys.advance(20_000);
    sys.exit(sys.pidOf("/bin/kubelet"), 1);
    expect(sys.pidOf("/bin/kubelet")).toBeGreaterThan(0);
  });

  it("does not wait for 0x02 forever", async () => {
    const { sys } = await running();
    sys.connect();
    obeyTerm(sys);
    sys.signal("SIGPWR");
    await sys.advance(DRAIN_TIMEOUT_MS - 1);
    expect(sys.calls).not.toContain("kill -1 SIGTERM");
    await sys.advance(1);
    expect(sys.calls.at(-1)).toBe("reboot poweroff");
  });

  it("powers off on the ACPI power button", async () => {
    const { sys } = await running();
    obeyTerm(sys);
    sys.pressPowerButton();
    await sys.advance(0);
    expect(sys.calls.at(-1)).toBe("reboot poweroff");
  });

  it("restarts the machine on Ctrl-Alt-Del (SIGINT) and on 0x05", async () => {
    const first = await running();
    obeyTerm(first.sys);
    first.sys.signal("SIGINT");
    await first.sys.advance(0);
    expect(first.sys.calls.at(-1)).toBe("reboot restart");

    const second = await running();
    obeyTerm(second.sys);
    const client = second.sys.connect();
    client.write(0x05);
    expect(client.received).toEqual([0x01]);
    client.write(0x02);
    await second.sys.advance(0);
    expect(second.sys.calls.at(-1)).toBe("reboot restart");
  });

  it("runs the sequence once, whatever arrives meanwhile", async () => {
    const { sys } = await running();
    const client = sys.connect();
    sys.signal("SIGTERM");
    sys.signal("SIGINT"); // ignored: a power-off is under way
    client.write(0x01, 0x02, 0x02);
    sys.signal("SIGTERM");
    await sys.advance(TERM_GRACE_MS + KILL_GRACE_MS);
    expect(sys.calls.filter((c) => c === "kill -1 SIGTERM")).toHaveLength(1);
    expect(sys.calls.filter((c) => c.startsWith("reboot"))).toEqual(["reboot poweroff"]);
  });

  it("detaches a busy mount rather than leaving it", async () => {
    const { sys } = await running();
    obeyTerm(sys);
    const umount = sys.umount.bind(sys);
    sys.umount = (target, flags) => {
      umount(target, flags);
      if (target === "/dev" && flags === 0) throw new Error("umount /dev: EBUSY");
    };
    sys.signal("SIGTERM");
    await sys.advance(0);
    expect(sys.calls).toContain("umount /dev 2");
    expect(sys.log).toContain("<4>kiOS: umount /dev: EBUSY: detached instead\n");
    expect(sys.calls.at(-1)).toBe("reboot poweroff");
  });
});
