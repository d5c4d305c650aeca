import { describe, expect, it } from "vitest";
import { Init } from "./init.js";
import { rootIsMountTreeRoot } from "./root.js";
import { FakeSys } from "./test/fake-sys.js";

describe("rootIsMountTreeRoot", () => {
  it("is true only when the mount of / is its own parent, as rootfs is", () => {
    expect(rootIsMountTreeRoot({ id: 1, parent: 1 })).toBe(true);
    expect(rootIsMountTreeRoot({ id: 2147483905, parent: 2147483905 })).toBe(true); // unique ids
    expect(rootIsMountTreeRoot({ id: 2147484180, parent: 2147483905 })).toBe(false); // a chroot, a tmpfs over rootfs
  });
});

function boot(root: { id: number; parent: number }, fails = false): FakeSys {
  const sys = new FakeSys({ "/init": "" });
  sys.root = root;
  sys.moveRootFails = fails;
  new Init(sys).boot();
  return sys;
}

const ROOTFS = { id: 1, parent: 1 };

describe("boot's first phase: move root to tmpfs", () => {
  it("moves an initramfs root to a tmpfs before anything is mounted, leaving /init behind", () => {
    const sys = boot(ROOTFS);
    expect(sys.calls[0]).toBe("move root to tmpfs, leaving /init"); // it is deleted anyway
    expect(sys.calls.filter((c) => !c.startsWith("mkdir "))[1]).toBe("mount proc /proc proc 0xe -"); // then the mounts, as before
    expect(sys.log).toContain("<6>kiOS: moved / to a tmpfs: 42 entries, 3.0 MiB in 0 ms\n");
    expect(sys.calls).toContain("process name kiOS");
    expect(sys.calls).not.toContain("unlink /init"); // not there to unlink
    expect(sys.log.filter((r) => r.startsWith("<3>"))).toEqual([]);
  });

  it("leaves a root that has a parent mount where it is (a chroot, a tmpfs already)", () => {
    const sys = boot({ id: 40, parent: 39 });
    expect(sys.calls.some((c) => c.startsWith("move root"))).toBe(false);
    expect(sys.log).toContain("<6>kiOS: / has a parent mount (not the kernel's rootfs): left where it is\n");
    expect(sys.calls).toContain("unlink /init");
  });

  it("boots on rootfs when the copy fails, and says what that costs", () => {
    const sys = boot(ROOTFS, true);
    expect(sys.log).toContain("<3>kiOS: / stays on rootfs, so runc cannot pivot_root into containers: copy /bin/kubelet: ENOSPC\n");
    expect(sys.pidOf("/bin/containerd")).toBe(100);
    expect(sys.calls).toContain("unlink /init");
    expect(sys.log.at(-1)).toBe("<5>kiOS: booted\n");
  });

  it("leaves the root alone when the kernel cannot tell its mount (no statmount before Linux 6.8)", () => {
    const sys = new FakeSys({ "/init": "" });
    sys.rootMount = () => {
      throw new Error("statmount /: ENOSYS");
    };
    new Init(sys).boot();
    expect(sys.calls.some((c) => c.startsWith("move root"))).toBe(false);
    expect(sys.log).toContain("<3>kiOS: move root to tmpfs: statmount /: ENOSYS\n");
    expect(sys.log.at(-1)).toBe("<5>kiOS: booted\n");
  });
});
