/**
 * A reproducible, compressed newc cpio of a root tree (modules/uki's cpio),
 * every mtime build.toml's reproducible.source_date_epoch.
 */
import { Directory, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { type Compression, CPIO_PACKAGES, packCpio } from "../../../modules/uki/src/cpio.js";

export type { Compression };

export const initramfsPackages = CPIO_PACKAGES;

/** `console: false` leaves out /dev/console and /dev/kmsg; compression defaults to zstd. */
export function packInitramfs(ctx: StageContext, root: Directory, opts: { console?: boolean; compression?: Compression } = {}): File {
  return packCpio(ctx.toolchain(initramfsPackages), root, ctx.config.reproducible.source_date_epoch, {
    devNodes: opts.console,
    compression: opts.compression,
  });
}
