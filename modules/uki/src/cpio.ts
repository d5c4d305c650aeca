/**
 * A reproducible, compressed newc cpio of a root tree: entries sorted, every
 * mtime SOURCE_DATE_EPOCH, owners root, plus (by default) /dev/console (the
 * kernel opens it for PID 1's stdio before any devtmpfs exists) and /dev/kmsg
 * (so the init's first messages, before it mounts /dev, carry the kernel's
 * time stamp).
 */
import { Container, Directory, File } from "@dagger.io/dagger";

/** The Debian packages packCpio needs in its toolchain. */
export const CPIO_PACKAGES = ["cpio", "lz4", "zstd"];

/**
 * zstd packs small (with a 128 MiB window, --long=27, the most the kernel's
 * unzstd takes: the Go binaries share much code, 15% smaller than without,
 * as fast to pack, measured on the payload); lz4 (the kernel's legacy lz4 format) unpacks about as
 * fast as an uncompressed archive: under TCG, zstd costs the kernel ~17 ms
 * more per MB unpacked, lz4 ~0.13 MB more per MB stored.
 */
export type Compression = "zstd" | "lz4";

const compressors: Record<Compression, string> = {
  zstd: "zstd -q -19 --long=27 -T0",
  lz4: "lz4 -l -12 -q -c",
};

/** Narrows a compression name given as a string; throws naming the known ones. */
export function checkCompression(name: string): Compression {
  if (!(name in compressors)) throw new Error(`cpio: unknown compression "${name}" (known: ${Object.keys(compressors).join(", ")})`);
  return name as Compression;
}

/**
 * The kernel takes the legacy lz4 format only, which has no end mark: its
 * reader goes on while 4-byte block lengths follow and stops at a zero one.
 * So an lz4 archive ends with 4 to 7 zero bytes (to a length multiple of 4);
 * whatever follows, padding (ukify aligns initrds to 4 bytes) or the next
 * archive, is then read on its own.
 */
const LZ4_END = "n=$(stat -c %s /initramfs.cpio); head -c $((4 + (4 - n % 4) % 4)) /dev/zero >> /initramfs.cpio";

export interface CpioOptions {
  /** Add /dev/console and /dev/kmsg (default true). */
  devNodes?: boolean;
  /** Default zstd. */
  compression?: Compression;
}

/** `toolchain` must have CPIO_PACKAGES; every mtime becomes `sourceDateEpoch`. */
export function packCpio(toolchain: Container, root: Directory, sourceDateEpoch: number, opts: CpioOptions = {}): File {
  const epoch = String(sourceDateEpoch);
  const compression = opts.compression ?? "zstd";
  return toolchain
    .withDirectory("/root-tree", root)
    .withWorkdir("/root-tree")
    .withExec([
      "sh",
      "-ec",
      [
        opts.devNodes === false ? ":" : "mkdir -p dev && mknod -m 600 dev/console c 5 1 && mknod -m 644 dev/kmsg c 1 11",
        `find . -exec touch -h -d "@${epoch}" {} +`,
        `find . | LC_ALL=C sort | cpio -o -H newc --reproducible -R 0:0 --quiet | ${compressors[compression]} > /initramfs.cpio`,
        compression === "lz4" ? LZ4_END : ":",
      ].join("\n"),
    ])
    .file("/initramfs.cpio");
}
