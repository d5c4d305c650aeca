/**
 * The node's mount helper on the real engine, run the way the kubelet runs
 * it (k8s.io/mount-utils' argument forms) in a container allowed to mount:
 * a tmpfs volume with its size, a bind mount remounted read-only, a
 * propagation change, unmounts, and the errors the kubelet reads.
 */
import { describe, expect, it } from "vitest";
import { withKios } from "../support/kios.js";

/** Each step's exit code and output, then the mount table lines of /v. */
const script = `
step() { name=$1; shift; out=$("$@" 2>&1); echo "$name $? $out"; }
mkdir -p /v/tmp /v/src /v/dst /v/plain /v/shared
echo hello > /v/src/file
step tmpfs mount -t tmpfs -o size=1m,noswap,mode=0750 tmpfs /v/tmp
step bind mount -o bind /v/src /v/dst
step remount mount -o bind,remount,ro /v/src /v/dst
step write-ro sh -c 'echo x > /v/dst/other'
step shared mount -t tmpfs tmpfs /v/shared
step rshared mount -o rshared /v/shared
echo ---
awk '$5 ~ "^/v/" {print $5, $0}' /proc/self/mountinfo
echo ---
step umount-tmp umount /v/tmp
step umount-dst umount /v/dst
step not-mounted umount /v/plain
step bad-option mount --make-everything /v/plain
step missing mount -t nosuchfs none /v/plain
step umount-usage umount
`;

describe("the mount helper", () => {
  it("mounts and unmounts as the kubelet asks, and fails the way mount-utils reads", async () => {
    const output = await withKios(async (kios) =>
      (await kios.toolchain([]))
        .withDirectory("/helper", await kios.mountHelper())
        .withEnvVariable("PATH", "/helper/bin:/usr/bin:/bin")
        .withExec(["sh", "-c", script], { insecureRootCapabilities: true })
        .stdout(),
    );
    const [steps1, table, steps2] = output.split("---\n");
    const steps = Object.fromEntries(`${steps1}${steps2}`.trim().split("\n").map((l) => [l.split(" ")[0], l.slice(l.indexOf(" ") + 1)]));
    for (const ok of ["tmpfs", "bind", "remount", "shared", "rshared", "umount-tmp", "umount-dst"]) expect(steps[ok], ok).toBe("0 ");
    expect(steps["write-ro"]).toMatch(/^[12] .*Read-only file system/);
    expect(steps["not-mounted"]).toBe("32 umount: /v/plain: not mounted.");
    expect(steps["bad-option"]).toMatch(/^1 mount: unsupported argument '--make-everything'/);
    expect(steps["missing"]).toBe("32 mount: /v/plain: No such device");
    expect(steps["umount-usage"]).toBe("1 usage: umount [-f] [-l] TARGET");
    const mounts = Object.fromEntries(table!.trim().split("\n").map((l) => [l.split(" ")[0], l]));
    expect(mounts["/v/tmp"]).toMatch(/ \/v\/tmp rw,.* - tmpfs tmpfs rw,size=1024k,.*mode=750/);
    expect(mounts["/v/dst"]).toMatch(/ \/v\/dst ro[, ]/);
    expect(mounts["/v/shared"]).toMatch(/ shared:\d+/);
  }, 600_000);
});
