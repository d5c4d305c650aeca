import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Init } from "./init.js";
import { FakeSys } from "./test/fake-sys.js";
import { PCR11_SHA256, pcrEventCommand, PhaseMeasurer, responseCode, TPM_DEVICE } from "./tpm.js";
import { kmsgLog } from "./log.js";

const sha256 = (...parts: (Buffer | string)[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};

/**
 * A TPM with PCR 11's SHA-256 bank that understands TPM2_PCR_Event as the
 * TPM 2.0 spec (part 3, 22.3) defines it, and shows the bank in sysfs as the
 * kernel does (upper-case hex). `codes` are answered first, one per command.
 */
function fakeTpm(sys: FakeSys, codes: number[] = []): { commands: Buffer[] } {
  let pcr = Buffer.alloc(32);
  const commands: Buffer[] = [];
  sys.files.set(TPM_DEVICE, "");
  sys.files.set(PCR11_SHA256, pcr.toString("hex").toUpperCase() + "\n");
  sys.tpm = (command) => {
    const c = Buffer.from(command);
    commands.push(c);
    const answer = Buffer.alloc(10);
    answer.writeUInt16BE(0x8001, 0);
    answer.writeUInt32BE(10, 2);
    const code = codes.shift();
    if (code !== undefined) {
      answer.writeUInt32BE(code, 6);
      return answer;
    }
    expect(c.readUInt16BE(0)).toBe(0x8002);
    expect(c.readUInt32BE(2)).toBe(c.length);
    expect(c.readUInt32BE(6)).toBe(0x13c);
    expect(c.readUInt32BE(10)).toBe(11);
    const data = c.subarray(29, 29 + c.readUInt16BE(27));
    pcr = sha256(pcr, sha256(data));
    sys.files.set(PCR11_SHA256, pcr.toString("hex").toUpperCase() + "\n");
    return answer;
  };
  return { commands };
}

/** systemd's rule for a phase path: from zero, extend sha256(word) per word (no NUL). */
function expected(words: string[]): string {
  return words.reduce((pcr, w) => sha256(pcr, sha256(w)), Buffer.alloc(32)).toString("hex");
}

const pcrLines = (sys: FakeSys) => sys.log.filter((l) => l.includes("PCR 11")).map((l) => l.replace(/^<\d>kiOS: /, "").trim());

describe("TPM2_PCR_Event", () => {
  it("is the command the plan verified against swtpm: 41 bytes for enter-initrd", () => {
    const cmd = Buffer.from(pcrEventCommand(11, Buffer.from("enter-initrd")));
    expect(cmd.toString("hex")).toBe("80020000002900000" + "13c0000000b00000009400000090000000000000c" + Buffer.from("enter-initrd").toString("hex"));
    expect(cmd.length).toBe(41);
  });

  it("refuses an event over 1024 bytes, and a response shorter than its header", () => {
    expect(() => pcrEventCommand(11, new Uint8Array(1025))).toThrow(/1025 bytes, over 1024/);
    expect(() => responseCode(new Uint8Array(6))).toThrow(/6 bytes, shorter than its header/);
  });
});

describe("boot phases in PCR 11", () => {
  it("measures enter-initrd, leave-initrd and sysinit before the runtime, ready after the kubelet", () => {
    const sys = new FakeSys({ "/init": "", "/bin/kubelet": "" });
    fakeTpm(sys);
    new Init(sys).boot();
    const order = sys.calls.filter((c) => c.startsWith("tpm ") || c.startsWith("spawn ") || c.startsWith("up ") || c.startsWith("mount proc"));
    expect(order.map((c) => (c.startsWith("tpm ") ? Buffer.from(c.split(" ")[2]!.slice(58), "hex").toString() : c.split(" ").slice(0, 3).join(" ")))).toEqual([
      "mount proc /proc",
      "enter-initrd",
      "leave-initrd",
      "up lo",
      "sysinit",
      "spawn 100 /bin/containerd",
    ]);
    sys.create("/run/containerd/containerd.sock");
    expect(pcrLines(sys)).toEqual([
      `PCR 11 after enter-initrd: sha256=${expected(["enter-initrd"])}`,
      `PCR 11 after leave-initrd: sha256=${expected(["enter-initrd", "leave-initrd"])}`,
      `PCR 11 after sysinit: sha256=${expected(["enter-initrd", "leave-initrd", "sysinit"])}`,
      `PCR 11 after ready: sha256=${expected(["enter-initrd", "leave-initrd", "sysinit", "ready"])}`,
    ]);
    expect(sys.calls.at(-1)).toMatch(/^tpm /);
    expect(sys.calls.at(-2)).toMatch(/^spawn 101 \/bin\/kubelet/);
  });

  it("measures shutdown when it is requested and final before the filesystems are unmounted", async () => {
    const sys = new FakeSys({ "/init": "", "/proc/self/mountinfo": "" });
    fakeTpm(sys);
    const init = new Init(sys);
    init.boot();
    sys.create("/run/containerd/containerd.sock");
    for (const pid of [...sys.live.keys()]) sys.exitQuietly(pid, 0);
    const mark = sys.calls.length;
    init.requestShutdown("poweroff", "test");
    init.requestShutdown("poweroff", "again"); // measured once
    await sys.advance(10_000);
    const after = sys.calls.slice(mark).filter((c) => !c.startsWith("mkdir "));
    const words = after.filter((c) => c.startsWith("tpm ")).map((c) => Buffer.from(c.split(" ")[2]!.slice(58), "hex").toString());
    expect(words).toEqual(["shutdown", "final"]);
    expect(after.indexOf(after.find((c) => c.endsWith(Buffer.from("final").toString("hex")))!)).toBeGreaterThan(after.indexOf("close outputs"));
    expect(after.at(-2)).toBe("sync");
    expect(pcrLines(sys).slice(-2)).toEqual([
      `PCR 11 after shutdown: sha256=${expected(["enter-initrd", "leave-initrd", "sysinit", "ready", "shutdown"])}`,
      `PCR 11 after final: sha256=${expected(["enter-initrd", "leave-initrd", "sysinit", "ready", "shutdown", "final"])}`,
    ]);
  });

  it("says once that there is no TPM, and never talks to one", () => {
    const sys = new FakeSys({ "/init": "" });
    new Init(sys).boot();
    sys.create("/run/containerd/containerd.sock");
    expect(sys.log.filter((l) => l.includes("TPM"))).toEqual(["<5>kiOS: no TPM (/dev/tpmrm0): boot phases not measured\n"]);
    expect(sys.calls.some((c) => c.startsWith("tpm "))).toBe(false);
  });

  it("sends a command again after TPM_RC_RETRY, and logs an error code without stopping the boot", () => {
    const sys = new FakeSys();
    const tpm = fakeTpm(sys, [0x922, 0x101]);
    const measurer = new PhaseMeasurer(sys, kmsgLog(sys));
    measurer.measure("enter-initrd");
    expect(tpm.commands.length).toBe(2);
    expect(sys.log).toEqual(["<3>kiOS: measure enter-initrd into PCR 11: TPM2_PCR_Event: response code 0x101\n"]);
    measurer.measure("leave-initrd");
    expect(pcrLines(sys).at(-1)).toBe(`PCR 11 after leave-initrd: sha256=${expected(["leave-initrd"])}`);
  });

  it("logs a device that fails", () => {
    const sys = new FakeSys({ [TPM_DEVICE]: "" });
    new PhaseMeasurer(sys, kmsgLog(sys)).measure("sysinit");
    expect(sys.log).toEqual(["<3>kiOS: measure sysinit into PCR 11: open /dev/tpmrm0: ENOENT\n"]);
  });
});
