import { describe, expect, it } from "vitest";
import { Init } from "./init.js";
import { restartDelay } from "./services.js";
import { FakeSys } from "./test/fake-sys.js";

const RUNTIME_SOCKET = "/run/containerd/containerd.sock";

async function running(files: Record<string, string> = {}): Promise<{ sys: FakeSys; init: Init }> {
  const sys = new FakeSys({ "/init": "", ...files });
  const init = new Init(sys);
  init.boot();
  sys.create(RUNTIME_SOCKET);
  return { sys, init };
}

const spawns = (sys: FakeSys, binary: string) => sys.calls.filter((c) => c.startsWith("spawn ") && c.includes(` ${binary} `));

describe("supervision", () => {
  it("restarts a crashed kubelet at once after a healthy run", async () => {
    const { sys } = await running();
    const first = sys.pidOf("/bin/kubelet");
    await sys.advance(60_000);
    sys.exit(first, null, 11); // SIGSEGV
    expect(sys.pidOf("/bin/kubelet")).not.toBe(first);
    expect(spawns(sys, "/bin/kubelet")).toHaveLength(2);
    expect(sys.log.some((r) => r.includes(`kubelet (pid ${first}) exited after 60000 ms: killed by signal 11`))).toBe(true);
  });

  it("restarts a crashed runtime and leaves the kubelet alone", async () => {
    const { sys } = await running();
    const kubelet = sys.pidOf("/bin/kubelet");
    await sys.advance(20_000);
    sys.exit(sys.pidOf("/bin/containerd"), 2);
    expect(spawns(sys, "/bin/containerd")).toHaveLength(2);
    expect(sys.pidOf("/bin/kubelet")).toBe(kubelet);
  });

  it("backs off a service that keeps failing at once, and resets after a healthy run", async () => {
    const { sys } = await running();
    const starts = () => spawns(sys, "/bin/kubelet").length;
    sys.exit(sys.pidOf("/bin/kubelet"), 1);
    expect(starts()).toBe(1); // waits 100 ms
    await sys.advance(99);
    expect(starts()).toBe(1);
    await sys.advance(1);
    expect(starts()).toBe(2);
    sys.exit(sys.pidOf("/bin/kubelet"), 1);
    await sys.advance(199);
    expect(starts()).toBe(2);
    await sys.advance(1);
    expect(starts()).toBe(3);
    await sys.advance(30_000);
    sys.exit(sys.pidOf("/bin/kubelet"), 1);
    expect(starts()).toBe(4); // healthy run: at once
  });

  it("caps the delay at 5 s", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((n) => restartDelay(50, n))).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(restartDelay(10_000, 10)).toBe(0);
  });

  it("retries a binary that cannot be started, without spinning", async () => {
    const sys = new FakeSys({ "/init": "" });
    sys.missingBinaries.add("/bin/containerd");
    new Init(sys).boot();
    expect(sys.log).toContain("<3>kiOS: cannot start containerd: spawn /bin/containerd: ENOENT\n");
    await sys.advance(1_000);
    // 100 + 200 + 400 ms: three retries in the first second
    expect(sys.calls.filter((c) => c === "spawn failed /bin/containerd")).toHaveLength(4);
    sys.missingBinaries.clear();
    await sys.advance(800);
    expect(sys.pidOf("/bin/containerd")).toBeGreaterThan(0);
  });

  it("reaps orphans without touching the services", async () => {
    const { sys } = await running();
    const orphans = Array.from({ length: 100 }, () => sys.spawn(["/orphan"], [], "/dev/null"));
    for (const pid of orphans) sys.exitQuietly(pid, 0);
    sys.signal("SIGCHLD"); // one SIGCHLD for many exits
    expect(sys.reap().exits).toEqual([]);
    expect(spawns(sys, "/bin/kubelet")).toHaveLength(1);
    expect(spawns(sys, "/bin/containerd")).toHaveLength(1);
  });

  it("reaps children that exited before signals were handled", async () => {
    const sys = new FakeSys({ "/init": "" });
    const realOnSignal = sys.onSignal.bind(sys);
    sys.onSignal = (handler) => {
      sys.exitQuietly(sys.pidOf("/bin/containerd"), 1); // died during boot, SIGCHLD lost
      realOnSignal(handler);
    };
    new Init(sys).boot();
    expect(sys.log.some((r) => r.includes("containerd (pid 100) exited"))).toBe(true);
  });

  it("re-reads the kubelet's flags and hostname on restart (0x03)", async () => {
    const { sys } = await running();
    const client = sys.connect();
    sys.files.set("/etc/kubernetes/kubelet.conf", "apiVersion: v1");
    sys.files.set("/etc/kubernetes/node-labels", "role: worker\n");
    sys.files.set("/etc/hostname", "joined-node\n");
    const old = sys.pidOf("/bin/kubelet");
    client.write(0x03);
    expect(sys.calls.at(-1)).toBe(`kill ${old} SIGTERM`);
    sys.exit(old, 0);
    const calls = sys.calls.slice(-2); // the log pipe exists already
    expect(calls[0]).toBe("sethostname joined-node");
    expect(calls[1]).toMatch(/^spawn \d+ \/bin\/kubelet --config \/etc\/kubernetes\/config.yaml --node-labels role=worker --kubeconfig \/etc\/kubernetes\/kubelet.conf /);
  });

  it("restarts the runtime on 0x04, at once even after a short run", async () => {
    const { sys } = await running();
    const client = sys.connect();
    const old = sys.pidOf("/bin/containerd");
    client.write(0x04);
    expect(sys.calls.at(-1)).toBe(`kill ${old} SIGTERM`);
    sys.exit(old, 0);
    expect(spawns(sys, "/bin/containerd")).toHaveLength(2);
  });
});
