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
  sys.rootBindFails = fails;
  new Init(sys).boot();
  return sys;
}

const ROOTFS = { id: 1, parent: 1 };

describe("boot's first phase: give / a parent mount", () => {
  it("binds an initramfs root over itself before anything is mounted", () => {
    const sys = boot(ROOTFS);
    expect(sys.calls[0]).toBe("bind / over itself");
    expect(sys.calls.filter((c) => !c.startsWith("mkdir "))[1]).toBe("mount proc /proc proc 0xe -"); // then the mounts, as before
    expect(sys.log).toContain("<6>kiOS: bound / over itself in 0 ms: runc can pivot_root\n");
    expect(sys.calls).toContain("process name kiOS");
    expect(sys.calls).toContain("unlink /init");
    expect(sys.log.filter((r) => r.startsWith("<3>"))).toEqual([]);
  });

  it("leaves a root that has a parent mount where it is (a chroot, a tmpfs already)", () => {
    const sys = boot({ id: 40, parent: 39 });
    expect(sys.calls.some((c) => c.startsWith("bind /"))).toBe(false);
    expect(sys.log).toContain("<6>kiOS: / has a parent mount (not the kernel's rootfs): left where it is\n");
    expect(sys.calls).toContain("unlink /init");
  });

  it("boots on rootfs when the bind fails, and says what that costs", () => {
    const sys = boot(ROOTFS, true);
    expect(sys.log).toContain("<3>kiOS: / stays the mount tree's root, so runc cannot pivot_root into containers: move mount /.kios-root: EINVAL\n");
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
    expect(sys.calls.some((c) => c.startsWith("bind /"))).toBe(false);
    expect(sys.log).toContain("<3>kiOS: give / a parent mount: statmount /: ENOSYS\n");
    expect(sys.log.at(-1)).toBe("<5>kiOS: booted\n");
  });
});
