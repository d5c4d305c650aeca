/**
 * Boot's first step: give / a parent mount. The kernel unpacks the initramfs
 * into rootfs, the root of the mount tree, and pivot_root(2) refuses to move
 * a root that has no parent mount: runc, which pivots into every container,
 * would fail. The original kiOS patches the kernel to unpack into a tmpfs
 * mounted over rootfs; this init binds / over itself instead (native, see
 * root.c): the same files, now on a mount whose parent is rootfs.
 */
import { why, type Log } from "./log.js";
import type { Sys } from "./sys.js";

/** The init's executable, which the boot deletes (init.ts, hide). */
export const INIT_EXECUTABLE = "/init";

/**
 * The mount of / is the root of the mount tree (its own parent): exactly
 * when pivot_root(2) fails. A chroot or a root mounted from a disk has a parent.
 */
export function rootIsMountTreeRoot(root: { id: number; parent: number }): boolean {
  return root.parent === root.id;
}

export function giveRootAParent(sys: Sys, log: Log): void {
  if (!rootIsMountTreeRoot(sys.rootMount())) {
    log.info("/ has a parent mount (not the kernel's rootfs): left where it is");
    return;
  }
  const started = sys.now();
  try {
    sys.bindRootOverItself();
    log.info(`bound / over itself in ${Math.round(sys.now() - started)} ms: runc can pivot_root`);
  } catch (error) {
    log.error(`/ stays the mount tree's root, so runc cannot pivot_root into containers: ${why(error)}`);
  }
}
