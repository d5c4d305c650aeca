/**
 * Uki: the parts of a bootable, signed unified kernel image: reproducible
 * cpio archives for its initramfs, the UKI itself (systemd-stub, built by
 * ukify, optionally with a signed PCR 11 policy), and its Secure Boot
 * signature (sbsign, checked by sbverify).
 */
import { Container, Directory, File, func, object, Secret } from "@dagger.io/dagger";
import { checkCompression, CPIO_PACKAGES, packCpio } from "./cpio.js";
import { SIGN_PACKAGES, signEfi } from "./sign.js";
import { MEASURE_FILES, MEASURE_PACKAGES } from "./measure.js";
import { MeasuredUki } from "./measured-uki.js";
import { buildUki, UKIFY_PACKAGES, ukifyBuild } from "./ukify.js";

/** Builds initramfs archives, unified kernel images and their Secure Boot signatures, reproducibly. */
@object()
export class Uki {
  toolchain: Container;
  sourceDateEpoch: number;

  /**
   * @param toolchain a Debian container with the packages `packages` lists installed (cpio, lz4, zstd, systemd-ukify, systemd-boot-efi, python3-pefile, sbsigntool; systemd, libtss2-* and openssl for measuredUki)
   * @param sourceDateEpoch SOURCE_DATE_EPOCH: every mtime in the archives and the UKI's PE time stamp
   */
  constructor(toolchain: Container, sourceDateEpoch = 0) {
    this.toolchain = toolchain;
    this.sourceDateEpoch = sourceDateEpoch;
  }

  /**
   * A reproducible, compressed newc cpio archive of `root`, for an initramfs:
   * entries sorted, every mtime sourceDateEpoch, owned by root. Archives
   * concatenate: the kernel unpacks them in turn.
   *
   * @example dagger -m modules/uki call --toolchain=registry.example/uki-toolchain:trixie --source-date-epoch=1767225600 cpio --root=./rootfs --compression=lz4 export --path=initramfs.cpio
   * @param root the tree to archive (e.g. a root filesystem with /init)
   * @param devNodes add the device nodes /dev/console (the kernel opens it for PID 1's stdio before any devtmpfs exists) and /dev/kmsg
   * @param compression "zstd" (packs small) or "lz4" (the kernel's legacy lz4 format: unpacks about as fast as an uncompressed archive)
   */
  @func()
  cpio(root: Directory, devNodes = true, compression = "zstd"): File {
    return packCpio(this.toolchain, root, this.sourceDateEpoch, { devNodes, compression: checkCompression(compression) });
  }

  /**
   * An unsigned unified kernel image (systemd-stub) with the sections
   * .linux .initrd .cmdline .osrel .uname .sbat, built by ukify; fails when
   * one of them is missing.
   *
   * @example dagger -m modules/uki call --toolchain=registry.example/uki-toolchain:trixie --source-date-epoch=1767225600 uki --kernel=./bzImage --initramfs=./initramfs.cpio --cmdline="console=ttyS0" --os-release="$(cat os-release)" --sbat="$(cat sbat.csv)" export --path=linux.efi
   * @param kernel the kernel image (bzImage)
   * @param initramfs the initramfs archives, concatenated in this order into the .initrd section
   * @param cmdline the kernel command line (.cmdline)
   * @param osRelease the os-release file's text (.osrel)
   * @param sbat the SBAT CSV lines of the image's own component; ukify adds systemd-stub's
   */
  @func()
  uki(kernel: File, initramfs: File[], cmdline: string, osRelease: string, sbat: string): File {
    return buildUki(this.toolchain, { kernel, initramfs, cmdline, osRelease, sbat }, this.sourceDateEpoch);
  }

  /**
   * A UKI as `uki` makes it, plus a PCR 11 signature (.pcrsig) and public key
   * (.pcrpkey) made with `pcrKey` for the four boot phase paths
   * (enter-initrd ... ready, systemd's default), and ukify's prediction of
   * PCR 11 at each of them. The key is mounted for ukify only.
   *
   * @example dagger -m modules/uki call --toolchain=registry.example/uki-toolchain:trixie measured-uki --kernel=./bzImage --initramfs=./initramfs.cpio --cmdline="console=ttyS0" --os-release="$(cat os-release)" --sbat="$(cat sbat.csv)" --pcr-key=file:./pcr.key pcr-11 contents
   * @param kernel the kernel image (bzImage)
   * @param initramfs the initramfs archives, concatenated in this order into the .initrd section
   * @param cmdline the kernel command line (.cmdline)
   * @param osRelease the os-release file's text (.osrel)
   * @param sbat the SBAT CSV lines of the image's own component; ukify adds systemd-stub's
   * @param pcrKey the PCR signing key: an RSA private key (PEM); other kinds are refused (their signatures are random)
   */
  @func()
  measuredUki(kernel: File, initramfs: File[], cmdline: string, osRelease: string, sbat: string, pcrKey: Secret): MeasuredUki {
    const built = ukifyBuild(this.toolchain, { kernel, initramfs, cmdline, osRelease, sbat }, this.sourceDateEpoch, pcrKey);
    return new MeasuredUki(built.file("kios.efi"), built.file(MEASURE_FILES.json), built.file(MEASURE_FILES.publicKey));
  }

  /**
   * An EFI binary (e.g. a UKI) signed for Secure Boot by sbsign and checked
   * against the certificate by sbverify. The key is mounted for the signing
   * command only: it never lands in a layer or a log.
   *
   * @example dagger -m modules/uki call --toolchain=registry.example/uki-toolchain:trixie sign --efi=./linux.efi --key=env://DB_KEY --cert=./db.crt export --path=linux.signed.efi
   * @param efi the EFI binary to sign
   * @param key the signing key (PEM private key)
   * @param cert the key's certificate (PEM), the one the firmware's db holds
   */
  @func()
  sign(efi: File, key: Secret, cert: File): File {
    return signEfi(this.toolchain, efi, key, cert, this.sourceDateEpoch);
  }

  /**
   * The Debian packages the toolchain container must have.
   *
   * @example dagger -m modules/uki call --toolchain=debian:trixie packages
   */
  @func()
  packages(): string[] {
    return [...CPIO_PACKAGES, ...UKIFY_PACKAGES, ...SIGN_PACKAGES, ...MEASURE_PACKAGES];
  }
}
