import { describe, expect, it } from "vitest";
import { bootOptions } from "./cmdline.js";
import { Init } from "./init.js";
import { FakeSys } from "./test/fake-sys.js";

describe("kernel command line", () => {
  it("sends service output to the console only with kios.log=console", () => {
    expect(bootOptions("console=ttyS0 kios.log=console panic=-1\n")).toEqual({ serviceLogs: "/dev/console" });
    expect(bootOptions("console=ttyS0 panic=-1\n")).toEqual({});
    expect(bootOptions("kios.log=consoles")).toEqual({});
    expect(bootOptions("")).toEqual({});
  });

  it("starts containerd writing to /dev/console, with no log pipe, when asked", () => {
    const sys = new FakeSys({ "/init": "x", "/proc/cmdline": "console=ttyS0 kios.log=console\n" });
    new Init(sys).boot();
    const spawn = sys.calls.find((c) => c.startsWith("spawn "));
    expect(spawn).toMatch(/\/bin\/containerd .* > \/dev\/console$/);
    expect(sys.calls.filter((c) => c.startsWith("mkfifo"))).toEqual([]);
    expect(sys.log).toContain("<5>kiOS: service output goes to /dev/console (kios.log=console)\n");
  });

  it("keeps the log pipes otherwise", () => {
    const sys = new FakeSys({ "/init": "x", "/proc/cmdline": "console=ttyS0\n" });
    new Init(sys).boot();
    expect(sys.calls).toContain("mkfifo /var/run/containerd.log 600");
    expect(sys.calls.find((c) => c.startsWith("spawn "))).toMatch(/> \/var\/run\/containerd\.log$/);
  });
});
