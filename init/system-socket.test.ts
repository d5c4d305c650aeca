import { describe, expect, it } from "vitest";
import { Init } from "./init.js";
import { decodeCommand, MAX_CLIENTS } from "./system-socket.js";
import { FakeSys } from "./test/fake-sys.js";

async function running(): Promise<FakeSys> {
  const sys = new FakeSys({ "/init": "" });
  new Init(sys).boot();
  sys.create("/run/containerd/containerd.sock");
  return sys;
}

describe("system socket", () => {
  it("decodes the four upstream commands and the reboot extension", () => {
    expect([1, 2, 3, 4, 5].map(decodeCommand)).toEqual([
      "shutdown", "continueShutdown", "restartKubelet", "restartRuntime", "reboot",
    ]);
    expect([0, 6, 0x7f, 0xff].map(decodeCommand)).toEqual([null, null, null, null]);
  });

  it("accepts root only: a client of another uid is closed unheard", async () => {
    const sys = await running();
    const kubelet = sys.pidOf("/bin/kubelet");
    const stranger = sys.connect(1000);
    expect(stranger.closedByInit).toBe(true);
    expect(sys.log.at(-1)).toBe("<4>kiOS: system socket: refused a client with uid 1000 (only root may connect)\n");
    const root = sys.connect(0);
    root.write(0x03);
    expect(sys.calls.at(-1)).toBe(`kill ${kubelet} SIGTERM`);
  });

  it("ignores unknown bytes, logging once per read", async () => {
    const sys = await running();
    const before = sys.calls.length;
    sys.connect().write(0x00, 0xff, 0x42, 0x10);
    expect(sys.calls.length).toBe(before);
    expect(sys.log.at(-1)).toBe("<4>kiOS: system socket: 4 unknown byte(s) ignored (first 0x00)\n");
  });

  it("acts on every command inside a read, unknown bytes between them", async () => {
    const sys = await running();
    const kubelet = sys.pidOf("/bin/kubelet");
    const runtime = sys.pidOf("/bin/containerd");
    sys.connect().write(0x99, 0x03, 0x00, 0x04);
    expect(sys.calls.slice(-2)).toEqual([`kill ${kubelet} SIGTERM`, `kill ${runtime} SIGTERM`]);
  });

  it("survives many clients coming and going, capped so fds stay few", async () => {
    const sys = await running();
    const clients = Array.from({ length: 500 }, () => sys.connect());
    const accepted = clients.filter((c) => !c.closedByInit);
    expect(accepted).toHaveLength(MAX_CLIENTS);
    expect(sys.log.filter((r) => r.includes("refusing one"))).toHaveLength(500 - MAX_CLIENTS);
    for (const c of accepted) c.close();
    expect(accepted.every((c) => c.closedByInit)).toBe(true);
    // room again: new clients are accepted and heard
    const late = sys.connect();
    expect(late.closedByInit).toBe(false);
    late.write(0x03);
    expect(sys.calls.at(-1)).toMatch(/^kill \d+ SIGTERM$/);
  });

  it("makes room for new clients by dropping those that closed without init noticing", async () => {
    const sys = await running();
    const waiting = Array.from({ length: MAX_CLIENTS }, () => sys.connect());
    for (const c of waiting) c.halfClose(); // kept: they may wait for the event
    for (const c of waiting.slice(0, 3)) c.peerGone = true; // then closed for good
    expect(sys.connect().closedByInit).toBe(false);
    expect(waiting.filter((c) => c.closedByInit)).toHaveLength(3);
  });

  it("keeps half-closed clients for the shutdown event, drops closed ones", async () => {
    const sys = await running();
    const waiting = sys.connect();
    waiting.write(0x03);
    waiting.halfClose();
    const gone = sys.connect();
    gone.close();
    const vanished = sys.connect();
    vanished.peerGone = true; // closed, but init has not read the EOF yet
    sys.signal("SIGTERM");
    expect(waiting.received).toEqual([0x01]);
    expect(gone.received).toEqual([]);
    expect(vanished.closedByInit).toBe(true); // the failed send dropped it
  });

  it("never lets a failing command escape into the event loop", async () => {
    const sys = await running();
    sys.kill = () => {
      throw new Error("kill: ESRCH");
    };
    expect(() => sys.connect().write(0x03)).not.toThrow();
    expect(sys.log.at(-1)).toBe("<3>kiOS: system socket: restartKubelet failed: kill: ESRCH\n");
  });
});
