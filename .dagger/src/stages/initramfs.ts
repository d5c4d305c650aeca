/**
 * A reproducible, compressed newc cpio of a root tree: entries sorted, every
 * mtime SOURCE_DATE_EPOCH, owners root, plus /dev/console (the kernel opens
 * it for PID 1's stdio before any devtmpfs exists) and /dev/kmsg (so the
 * init's first messages, before it mounts /dev, carry the kernel's time stamp).
 */
import { Directory, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";

export const initramfsPackages = ["cpio", "zstd"];

export function packInitramfs(ctx: StageContext, root: Directory, opts: { console?: boolean } = {}): File {
  const epoch = String(ctx.config.reproducible.source_date_epoch);
  return ctx
    .toolchain(initramfsPackages)
    .withDirectory("/root-tree", root)
    .withWorkdir("/root-tree")
    .withExec([
      "sh",
      "-ec",
      [
        opts.console === false ? ":" : "mkdir -p dev && mknod -m 600 dev/console c 5 1 && mknod -m 644 dev/kmsg c 1 11",
        `find . -exec touch -h -d "@${epoch}" {} +`,
        "find . | LC_ALL=C sort | cpio -o -H newc --reproducible -R 0:0 --quiet | zstd -q -19 -T0 > /initramfs.cpio.zst",
      ].join("\n"),
    ])
    .file("/initramfs.cpio.zst");
}
