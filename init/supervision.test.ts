import { describe, expect, it } from "vitest";
import { Init } from "./init.js";
import { RESTART_BURST, RESTART_REFILL_MS, RestartBudget } from "./services.js";
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

  it("restarts a service killed again and again at once, up to the burst, then one per refill", async () => {
    const { sys } = await running();
    const starts = () => spawns(sys, "/bin/kubelet").length;
    for (let i = 1; i <= RESTART_BURST; i++) {
      await sys.advance(1_000);
      sys.exit(sys.pidOf("/bin/kubelet"), null, 9);
      expect(starts()).toBe(1 + i); // back at once
    }
    // The 9 s since the first earned one back: one more at once, then one per refill.
    sys.exit(sys.pidOf("/bin/kubelet"), 1);
    expect(starts()).toBe(RESTART_BURST + 2);
    sys.exit(sys.pidOf("/bin/kubelet"), 1);
    expect(starts()).toBe(RESTART_BURST + 2);
    expect(sys.log.at(-1)).toBe("<5>kiOS: restarting kubelet in 1000 ms (restart budget used up)\n");
    await sys.advance(999);
    expect(starts()).toBe(RESTART_BURST + 2);
    await sys.advance(1);
    expect(starts()).toBe(RESTART_BURST + 3);
  });

  it("keeps a budget: at most the burst at once, then one restart per refill period", () => {
    const budget = new RestartBudget();
    const delays = Array.from({ length: RESTART_BURST + 1 }, () => budget.take(1_000));
    expect(delays.slice(0, RESTART_BURST)).toEqual(Array(RESTART_BURST).fill(0));
    expect(delays.at(-1)).toBe(RESTART_REFILL_MS);
    expect(budget.take(1_000 + RESTART_REFILL_MS - 1)).toBe(1);
    expect(budget.take(1_000 + RESTART_REFILL_MS)).toBe(0);
    expect(budget.take(1_000 + RESTART_REFILL_MS)).toBe(RESTART_REFILL_MS);
    // Long quiet: the budget is full again, not more than full.
    const later = 1_000_000;
    expect(Array.from({ length: RESTART_BURST + 1 }, () => budget.take(later)).filter((d) => d === 0)).toHaveLength(RESTART_BURST);
  });

  it("retries a binary that cannot be started, without spinning", async () => {
    const sys = new FakeSys({ "/init": "" });
    sys.missingBinaries.add("/bin/containerd");
    new Init(sys).boot();
    expect(sys.log).toContain("<3>kiOS: cannot start containerd: spawn /bin/containerd: ENOENT\n");
    // The first try and the burst at once, then one per refill period.
    expect(sys.calls.filter((c) => c === "spawn failed /bin/containerd")).toHaveLength(1 + RESTART_BURST);
    await sys.advance(3 * RESTART_REFILL_MS);
    expect(sys.calls.filter((c) => c === "spawn failed /bin/containerd")).toHaveLength(1 + RESTART_BURST + 3);
    sys.missingBinaries.clear();
    await sys.advance(RESTART_REFILL_MS);
    expect(sys.pidOf("/bin/containerd")).toBeGreaterThan(0);
  });

  it("cannot be made to restart the kubelet in a loop: a flood of 0x03 is coalesced and budgeted", async () => {
    const { sys } = await running();
    const client = sys.connect();
    const starts = () => spawns(sys, "/bin/kubelet").length;
    for (let round = 0; round < 3 * RESTART_BURST; round++) {
      const pid = sys.pidOf("/bin/kubelet");
      client.write(0x03, 0x03, 0x03); // three in one read: one restart
      if (sys.calls.includes(`kill ${pid} SIGTERM`)) sys.exit(pid, 0); // the kubelet obeys
      await sys.advance(100);
    }
    // 3 s of flooding: the burst, not one restart per 0x03.
    expect(starts()).toBe(1 + RESTART_BURST);
    await sys.advance(RESTART_REFILL_MS);
    sys.exit(sys.pidOf("/bin/kubelet"), 0);
    expect(starts()).toBe(2 + RESTART_BURST);
  });

  it("reaps orphans without touching the services", async () => {
    const { sys } = await running();
    const orphans = Array.from({ length: 100 }, () => sys.spawn(["/orphan"], [], "/dev/null"));
    for (const pid of orphans) sys.exitQuietly(pid, 0);
    sys.signal("SIGCHLD"); // one SIGCHLD for many exits
    expect(sys.reap().exits).toEqual([]);
    expect(sys.log.at(-1)).toBe("<6>kiOS: reaped 100 orphan(s)\n");
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
