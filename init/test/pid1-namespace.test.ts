/**
 * The real init executable as PID 1 of a PID namespace (see namespace.ts):
 * supervision, reaping, every system socket command, the shutdown order.
 */
import { closeSync, constants, existsSync, openSync, readSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { initExecutable, initTestAssets } from "../../tests/support/init-exe.js";
import { Pid1, waitFor } from "./namespace.js";

const MiB = 1024 * 1024;
let exe = "";
let fakeService = "";
const running: Pid1[] = [];

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("the PID 1 namespace tests need root (unshare, mount, chroot)");
  exe = await initExecutable();
  fakeService = (await initTestAssets()).fakeService;
}, 20 * 60_000);

afterEach(async () => {
  for (const pid1 of running.splice(0)) await pid1.dispose();
});

async function boot(files: { [path: string]: string } = {}): Promise<Pid1> {
  const pid1 = await Pid1.boot(exe, fakeService, files);
  running.push(pid1);
  return pid1;
}

const probe = async (pid1: Pid1, key: string) =>
  (await pid1.records("kubelet")).filter((r) => r.text.startsWith(`probe ${key} `)).map((r) => r.text.slice(`probe ${key} `.length).trim());

describe("init as PID 1 of a namespace", () => {
  it("boots: runtime, then kubelet once the socket exists, with PATH=/bin and log pipes", async () => {
    const pid1 = await boot();
    expect(await pid1.starts("containerd")).toEqual(["/bin/containerd --config /etc/containerd/config.toml"]);
    expect(await pid1.starts("kubelet")).toEqual(["/bin/kubelet --config /etc/kubernetes/config.yaml"]);
    const listening = (await pid1.records("containerd")).find((r) => r.text === "listening")!;
    const kubeletStart = (await pid1.records("kubelet")).find((r) => r.text.startsWith("start "))!;
    expect(kubeletStart.at).toBeGreaterThanOrEqual(listening.at);
    expect((await pid1.records("kubelet")).find((r) => r.text.startsWith("env "))!.text).toBe("env PATH=/bin HOME=/");
    expect(await probe(pid1, "log-pipe")).toEqual(["fifo"]);
    expect(await probe(pid1, "hostname")).toEqual(["ns-node"]);
    expect(await probe(pid1, "init-file")).toEqual(["absent"]);
    expect(await probe(pid1, "pid1-comm")).toEqual(["kiOS"]);
    expect((await probe(pid1, "pid1-cmdline"))[0]).toMatch(/^kiOS\|*$/);
    expect(await probe(pid1, "lo-flags")).toEqual(["0x9"]); // IFF_UP | IFF_LOOPBACK
    expect(await probe(pid1, "ipv4-forward")).toEqual(["1"]);
    expect(await probe(pid1, "ipv6-forward")).toEqual(["1"]);
    // The chroot has a parent mount: the root stays where it is, every file in place, and runc can pivot.
    for (const file of ["bin/containerd", "bin/kubelet", "etc/hostname", "etc/containerd/config.toml"]) {
      expect(existsSync(join(pid1.root, file)), file).toBe(true);
    }
    expect(await probe(pid1, "pivot-root")).toEqual(["ok"]);
    const mounts = new Map(
      (await probe(pid1, "mount")).map((line) => {
        const fields = line.split(" ");
        const dash = fields.indexOf("-");
        return [fields[4], { options: fields[5]!.split(","), optional: fields.slice(6, dash), fstype: fields[dash + 1] }];
      }),
    );
    for (const [target, fstype, nodev] of [
      ["/proc", "proc", true], ["/sys", "sysfs", true], ["/dev", "devtmpfs", false], ["/dev/pts", "devpts", false],
      ["/sys/kernel/security", "securityfs", true], ["/sys/fs/cgroup", "cgroup2", true], ["/run", "tmpfs", true],
      ["/tmp", "tmpfs", true], ["/var/cache", "tmpfs", true], ["/var/tmp", "tmpfs", true], ["/var/run", "tmpfs", true],
      ["/var/lib/kubelet", "tmpfs", true],
    ] as const) {
      const mount = mounts.get(target);
      expect(mount, target).toBeDefined();
      expect(mount!.fstype, target).toBe(fstype);
      expect(mount!.options, target).toEqual(expect.arrayContaining(["nosuid", "noexec"]));
      expect(mount!.options.includes("nodev"), `${target} nodev`).toBe(nodev);
    }
    expect(mounts.get("/bin")?.options).toEqual(expect.arrayContaining(["ro", "nosuid", "nodev"]));
    expect(mounts.get("/bin")?.options).not.toContain("noexec");
    for (const shared of ["/", "/var/run", "/var/lib/kubelet"]) {
      expect(mounts.get(shared)!.optional.some((f) => f.startsWith("shared:")), `${shared} shared`).toBe(true);
    }
  });

  it("never stalls a service on its log: 2 MiB written with nobody reading the log pipe", async () => {
    const pid1 = await boot({ "etc/fake/kubelet.spew": String(2 * MiB) });
    const spewed = await waitFor("the kubelet's 2 MiB", async () =>
      (await pid1.records("kubelet")).find((r) => r.text.startsWith("spewed ")), 20_000);
    expect(Number(spewed.text.split(" ")[1])).toBeGreaterThanOrEqual(2 * MiB);
    // A reader that comes later finds the start of the log, up to the pipe's 1 MiB buffer.
    const pipe = `/proc/${await pid1.hostPid()}/root/var/run/kubelet.log`;
    const fd = openSync(pipe, constants.O_RDONLY | constants.O_NONBLOCK);
    const chunks: Buffer[] = [];
    try {
      for (;;) {
        const buf = Buffer.alloc(64 * 1024);
        const n = readSync(fd, buf);
        if (n <= 0) break;
        chunks.push(buf.subarray(0, n));
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
    } finally {
      closeSync(fd);
    }
    const text = Buffer.concat(chunks).toString();
    expect(text.startsWith("kubelet log line at byte 0000000000: ")).toBe(true);
    // The pipe holds 1 MiB (16 times the default); a write that does not fit whole loses its rest.
    expect(text.length).toBeGreaterThan(MiB / 2);
    expect(text.length).toBeLessThan(2 * MiB);
    // The kubelet goes on: the system socket still restarts it.
    (await pid1.connect()).send(0x03);
    await waitFor("the kubelet to restart", async () => (await pid1.starts("kubelet")).length === 2, 20_000);
  });

  it("closes the system socket to anyone but root, unheard", async () => {
    const pid1 = await boot();
    // The socket's mode keeps others out already; let them connect, to see the init refuse them.
    await chmod(`/proc/${await pid1.hostPid()}/root/run/system.sock`, 0o666);
    process.kill(await pid1.pidOf("kubelet"), "SIGUSR2");
    const verdict = await waitFor("the stranger's verdict", async () =>
      (await pid1.records("kubelet")).find((r) => r.text.startsWith("stranger uid")), 10_000);
    expect(verdict.text).toBe("stranger uid 65534: closed by init");
    expect(await pid1.starts("containerd")).toHaveLength(1); // its 0x04 was not obeyed
  });

  it("restarts a crashed runtime and leaves the kubelet running", async () => {
    const pid1 = await boot();
    const kubelet = await pid1.pidOf("kubelet");
    process.kill(await pid1.pidOf("containerd"), "SIGSEGV");
    await waitFor("containerd to start again", async () => (await pid1.starts("containerd")).length === 2);
    expect(await pid1.pidOf("kubelet")).toBe(kubelet);
    expect(await pid1.starts("kubelet")).toHaveLength(1);
  });

  it("reaps every orphan: no zombie after 100 of them", async () => {
    const pid1 = await boot();
    process.kill(await pid1.pidOf("kubelet"), "SIGUSR1");
    await waitFor("the orphans", async () => (await pid1.records("kubelet")).some((r) => r.text === "left 100 orphans"));
    const during = (await pid1.processes()).length;
    expect(during).toBeGreaterThan(100); // they exist, parented to init
    const after = await waitFor("the orphans to be reaped", async () => {
      const procs = await pid1.processes();
      return procs.length === 3 ? procs : undefined;
    });
    expect(after.map((p) => p.name).sort()).toEqual(["containerd", "kiOS", "kubelet"]);
    expect(after.filter((p) => p.state === "Z")).toEqual([]);
  });

  it("0x03 restarts the kubelet with flags and hostname read afresh", async () => {
    const pid1 = await boot();
    await pid1.write("etc/kubernetes/node-labels", "# set by bootstrap\nrole: worker\nzone: a # comment\n");
    await pid1.write("etc/kubernetes/node-ip", "10.1.2.3\n");
    await pid1.write("etc/kubernetes/kubelet.conf", "apiVersion: v1\n");
    await pid1.write("etc/hostname", "joined\n");
    (await pid1.connect()).send(0x03);
    await waitFor("the kubelet to restart", async () => (await pid1.starts("kubelet")).length === 2);
    expect((await pid1.starts("kubelet"))[1]).toBe(
      "/bin/kubelet --config /etc/kubernetes/config.yaml --node-labels role=worker,zone=a --node-ip 10.1.2.3 --kubeconfig /etc/kubernetes/kubelet.conf",
    );
    await waitFor("the new kubelet's probe", async () => (await probe(pid1, "hostname")).length === 2);
    expect(await probe(pid1, "hostname")).toEqual(["ns-node", "joined"]);
    expect((await pid1.records("kubelet")).filter((r) => r.text === "term")).toHaveLength(1);
  });

  it("0x04 restarts the runtime", async () => {
    const pid1 = await boot();
    (await pid1.connect()).send(0x04);
    await waitFor("containerd to restart", async () => (await pid1.starts("containerd")).length === 2);
    expect((await pid1.records("containerd")).filter((r) => r.text === "term")).toHaveLength(1);
  });

  it("survives malformed input: unknown bytes, hundreds of clients, half-closed and dropped connections", async () => {
    const pid1 = await boot();
    const clients = [];
    for (let i = 0; i < 200; i++) {
      try {
        clients.push(await pid1.connect());
      } catch {
        // refused past the cap: fine
      }
    }
    for (const [i, c] of clients.entries()) {
      c.send(0x00, 0xff, 0x42, 0x99, 0x06);
      if (i % 3 === 0) c.socket.end(); // half-close
      else if (i % 3 === 1) c.socket.destroy(); // gone
    }
    await new Promise((r) => setTimeout(r, 300));
    for (const c of clients) c.socket.destroy();
    // Still serving: a new client's command is heard.
    const late = await pid1.connect();
    late.send(0x04);
    await waitFor("containerd to restart", async () => (await pid1.starts("containerd")).length === 2);
    expect((await pid1.processes()).find((p) => p.name === "kiOS")).toBeDefined();
  });

  it("shuts down in order: event to every client, 0x02, TERM all, KILL the rest, power off", async () => {
    const pid1 = await boot({ "etc/fake/containerd.ignore-term": "" });
    const watchers = [await pid1.connect(), await pid1.connect()];
    const sentAt = Date.now();
    watchers[0]!.send(0x01);
    // The fake kubelet, a client too, answers the event with 0x02 like the kubelet's shutdown manager.
    const exit = await pid1.exited;
    const seconds = (Date.now() - sentAt) / 1000;
    expect(exit).toEqual({ code: null, signal: "SIGINT" }); // reboot(RB_POWER_OFF) in a PID namespace
    for (const w of watchers) expect(w.received).toEqual([0x01]);
    const kubelet = (await pid1.records("kubelet")).map((r) => r.text);
    expect(kubelet.slice(kubelet.indexOf("event 0x01"))).toEqual(["event 0x01", "sent 0x02", "term"]);
    const containerd = (await pid1.records("containerd")).map((r) => r.text);
    expect(containerd.at(-1)).toBe("term ignored"); // then SIGKILL: it never recorded an exit
    expect(seconds).toBeGreaterThan(4.5); // the TERM grace period (5 s) was waited out
    expect(seconds).toBeLessThan(10);
    expect(await pid1.starts("containerd")).toHaveLength(1); // nothing restarted
  });

  it("powers off on SIGTERM with every service obeying at once", async () => {
    const pid1 = await boot();
    const started = Date.now();
    process.kill(await pid1.hostPid(), "SIGTERM");
    expect(await pid1.exited).toEqual({ code: null, signal: "SIGINT" });
    expect(Date.now() - started).toBeLessThan(3_000); // no waiting out a grace period
    expect((await pid1.records("containerd")).at(-1)!.text).toBe("term");
  });

  it("restarts (reboot) on 0x05 and on SIGINT", async () => {
    const first = await boot();
    (await first.connect()).send(0x05);
    expect(await first.exited).toEqual({ code: null, signal: "SIGHUP" }); // reboot(RB_AUTOBOOT)
    const second = await boot();
    process.kill(await second.hostPid(), "SIGINT");
    expect(await second.exited).toEqual({ code: null, signal: "SIGHUP" });
  });
});
