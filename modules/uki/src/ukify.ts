/** The unified kernel image: systemd-stub + kernel + initramfs + cmdline + os-release, built by ukify. */
import { Container, File } from "@dagger.io/dagger";

/** The Debian packages buildUki needs in its toolchain. */
export const UKIFY_PACKAGES = ["systemd-ukify", "systemd-boot-efi", "python3-pefile"];

export interface UkiInputs {
  kernel: File;
  /** Concatenated in order by the kernel when it unpacks them. */
  initramfs: File[];
  cmdline: string;
  osRelease: string;
  /** The SBAT entry of the UKI's own component (systemd-stub's entries are added by ukify). */
  sbat: string;
}

/**
 * An unsigned UKI with the sections .linux .initrd .cmdline .osrel .uname
 * .sbat; fails when one is missing. `toolchain` must have UKIFY_PACKAGES.
 */
export function buildUki(toolchain: Container, inputs: UkiInputs, sourceDateEpoch: number): File {
  // The output's name (kios.efi) is historical: this module came out of kiOS, whose cached builds depend on it.
  let c = toolchain;
  inputs.initramfs.forEach((file, i) => (c = c.withFile(`/uki/initramfs-${i}`, file)));
  return c
    .withEnvVariable("SOURCE_DATE_EPOCH", String(sourceDateEpoch))
    .withWorkdir("/uki")
    .withFile("bzImage", inputs.kernel)
    .withNewFile("cmdline", inputs.cmdline)
    .withNewFile("os-release", inputs.osRelease)
    .withNewFile("sbat.csv", inputs.sbat)
    .withExec([
      "ukify",
      "build",
      "--linux=bzImage",
      ...inputs.initramfs.map((_, i) => `--initrd=initramfs-${i}`),
      "--cmdline=@cmdline",
      "--os-release=@os-release",
      "--sbat=@sbat.csv",
      "--stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub",
      "--output=kios.efi",
    ])
    // Fails the stage if a section is missing (ukify derives .uname from the kernel).
    .withExec([
      "sh",
      "-ec",
      'ukify inspect kios.efi --json=short > sections.json; for s in .linux .initrd .cmdline .osrel .uname .sbat; do grep -q "\\"$s\\"" sections.json || { echo "UKI lacks section $s" >&2; exit 1; }; done',
    ])
    .file("kios.efi");
}
