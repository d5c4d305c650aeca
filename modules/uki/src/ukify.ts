/** The unified kernel image: systemd-stub + kernel + initramfs + cmdline + os-release, built by ukify. */
import { Container, File, Secret } from "@dagger.io/dagger";
import { MEASURE_FILES, measureArgs, measureCheck, withPcrKey } from "./measure.js";

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

/** The sections every UKI has. */
const SECTIONS = [".linux", ".initrd", ".cmdline", ".osrel", ".uname", ".sbat"];

/**
 * The container that ran ukify, in /uki: kios.efi, and with a PCR key also
 * MEASURE_FILES (measure.ts). `toolchain` must have UKIFY_PACKAGES (and
 * MEASURE_PACKAGES with a key).
 */
export function ukifyBuild(toolchain: Container, inputs: UkiInputs, sourceDateEpoch: number, pcrKey?: Secret): Container {
  // The output's name (kios.efi) is historical: this module came out of kiOS, whose cached builds depend on it.
  let c = toolchain;
  inputs.initramfs.forEach((file, i) => (c = c.withFile(`/uki/initramfs-${i}`, file)));
  c = c
    .withEnvVariable("SOURCE_DATE_EPOCH", String(sourceDateEpoch))
    .withWorkdir("/uki")
    .withFile("bzImage", inputs.kernel)
    .withNewFile("cmdline", inputs.cmdline)
    .withNewFile("os-release", inputs.osRelease)
    .withNewFile("sbat.csv", inputs.sbat);
  const ukify = [
    "ukify",
    "build",
    "--linux=bzImage",
    ...inputs.initramfs.map((_, i) => `--initrd=initramfs-${i}`),
    "--cmdline=@cmdline",
    "--os-release=@os-release",
    "--sbat=@sbat.csv",
    "--stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub",
    "--output=kios.efi",
  ];
  const sections = [...SECTIONS];
  if (pcrKey) {
    c = withPcrKey(c, pcrKey).withExec(["sh", "-ec", `${ukify.join(" ")} ${measureArgs().join(" ")} > ${MEASURE_FILES.printed}`]);
    sections.push(".pcrsig", ".pcrpkey");
  } else {
    c = c.withExec(ukify);
  }
  // Fails the stage if a section is missing (ukify derives .uname from the kernel).
  c = c.withExec([
    "sh",
    "-ec",
    `ukify inspect kios.efi --json=short > sections.json; for s in ${sections.join(" ")}; do grep -q "\\"$s\\"" sections.json || { echo "UKI lacks section $s" >&2; exit 1; }; done`,
  ]);
  return pcrKey ? c.withExec(["sh", "-ec", measureCheck()]) : c;
}

/**
 * An unsigned UKI with the sections .linux .initrd .cmdline .osrel .uname
 * .sbat; fails when one is missing. `toolchain` must have UKIFY_PACKAGES.
 */
export function buildUki(toolchain: Container, inputs: UkiInputs, sourceDateEpoch: number): File {
  return ukifyBuild(toolchain, inputs, sourceDateEpoch).file("kios.efi");
}
