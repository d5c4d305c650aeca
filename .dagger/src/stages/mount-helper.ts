/**
 * mount and umount for the kubelet's volumes (mount/mount.c): one static C
 * binary, /bin/mount, with /bin/umount a link to it. The original kiOS has
 * busybox with only its mount applets for the same reason; this has no shell.
 */
import { dag, Directory } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { initPackages } from "./init.js";

/** bin/mount and bin/umount (a symlink to it), to merge into the root filesystem. */
export function buildMountHelper(ctx: StageContext): Directory {
  const binary = ctx
    .toolchain(initPackages) // the init's toolchain: one apt layer for every C build
    .withFile("/src/mount.c", ctx.source.file("mount/mount.c"))
    .withExec([
      "gcc", "-std=gnu11", "-Os", "-static-pie", "-fPIE",
      "-Wall", "-Wextra", "-Werror", "-Wformat=2",
      "-D_FORTIFY_SOURCE=3", "-fstack-protector-strong", "-fstack-clash-protection", "-fcf-protection",
      "-Wl,-z,relro,-z,now,-z,noexecstack", "-Wl,--gc-sections", "-ffunction-sections", "-fdata-sections",
      "-ffile-prefix-map=/src=mount", "-s",
      "-o", "/src/mount", "/src/mount.c",
    ])
    .file("/src/mount");
  return dag.directory().withFile("bin/mount", binary, { permissions: 0o755 }).withSymlink("mount", "bin/umount");
}
