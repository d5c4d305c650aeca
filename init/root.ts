/**
 * Boot's first step: leave the kernel's rootfs for a tmpfs. The kernel unpacks
 * the initramfs into rootfs, the root of the mount tree, and pivot_root(2)
 * refuses to move a root that has no parent mount: runc, which pivots into
 * every container, would fail. The original kiOS patches the kernel to unpack
 * into a tmpfs mounted over rootfs; this init does the equivalent itself: it
 * copies the tree into a tmpfs and switches to it (native, see root.c).
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

export function moveRootToTmpfs(sys: Sys, log: Log): void {
  if (!rootIsMountTreeRoot(sys.rootMount())) {
    log.info("/ has a parent mount (not the kernel's rootfs): left where it is");
    return;
  }
  const started = sys.now();
  try {
    // Not copied, only to be deleted moments later: 2 MB less to copy.
    const { files, bytes } = sys.moveRootToTmpfs([INIT_EXECUTABLE]);
    const ms = Math.round(sys.now() - started);
    log.info(`moved / to a tmpfs: ${files} entries, ${(bytes / 1048576).toFixed(1)} MiB in ${ms} ms`);
  } catch (error) {
    log.error(`/ stays on rootfs, so runc cannot pivot_root into containers: ${why(error)}`);
  }
}
