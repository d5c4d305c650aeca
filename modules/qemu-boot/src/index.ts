/**
 * QemuBoot: boots a unified kernel image in QEMU (TCG, no KVM needed) with
 * OVMF, optionally under Secure Boot and with a software TPM, and captures its serial console with
 * a harness that can press the power button, stop at a line, stamp lines
 * with the wall clock and time out.
 */
import { argument, Container, dag, Directory, File, func, object } from "@dagger.io/dagger";
import { harnessContainer, QEMU_BOOT_PACKAGES, readBootRun, runBoot } from "./boot.js";
import { BootRun, BootStamp } from "./boot-run.js";
import { enrolledVars, SECURE_BOOT_VARS_PACKAGES } from "./secureboot.js";
import { SOFTWARE_TPM_PACKAGES, softwareTpm } from "./tpm.js";

/** Boots a UKI in QEMU with OVMF and captures its serial console. */
@object()
export class QemuBoot {
  toolchain: Container;
  harness: File;
  vars?: File;
  drive?: File;
  /** Files and directories given with withFile/withDirectory, at their place under the container's root. */
  inputs: Directory;
  hasInputs: boolean;
  setup: string[];
  qemuArgs: string[];
  insecureRootCapabilities: boolean;

  /**
   * @param toolchain a Debian container with the packages `packages` lists installed (qemu-system-x86, ovmf, python3, mtools, dosfstools; python3-virt-firmware for secureBootVars; swtpm, swtpm-tools for withSoftwareTpm)
   * @param harness the console harness (default: this module's harness.py)
   */
  constructor(toolchain: Container, @argument({ defaultPath: "harness.py" }) harness: File) {
    this.toolchain = toolchain;
    this.harness = harness;
    this.inputs = dag.directory();
    this.hasInputs = false;
    this.setup = [];
    this.qemuArgs = [];
    this.insecureRootCapabilities = false;
  }

  private with(changes: Partial<QemuBoot>): QemuBoot {
    return Object.assign(Object.create(QemuBoot.prototype) as QemuBoot, this, changes);
  }

  /**
   * OVMF variables with a PK, KEK and db enrolled and Secure Boot on, for withSecureBoot.
   *
   * @example dagger -m modules/qemu-boot call --toolchain=registry.example/qemu-boot-toolchain:trixie secure-boot-vars --certs=./certs --owner=00000000-0000-4000-8000-000000000001 export --path=vars.fd
   * @param certs a directory with PK.crt, KEK.crt and db.crt (PEM)
   * @param owner the owner GUID recorded with the enrolled keys
   */
  @func()
  secureBootVars(certs: Directory, owner: string): File {
    return enrolledVars(this.toolchain, certs, owner);
  }

  /**
   * This boot under Secure Boot: OVMF's Secure Boot firmware (SMM) with these variables.
   *
   * @example dagger -m modules/qemu-boot call --toolchain=registry.example/qemu-boot-toolchain:trixie with-secure-boot --vars=./vars.fd boot --uki=./linux.signed.efi --stop-at="Access Denied" ended
   * @param vars OVMF variables with the keys enrolled and Secure Boot on (see secureBootVars)
   */
  @func()
  withSecureBoot(vars: File): QemuBoot {
    return this.with({ vars });
  }

  /**
   * This boot with a raw disk image as a second virtio disk, read-only (e.g. a config drive).
   *
   * @example dagger -m modules/qemu-boot call --toolchain=registry.example/qemu-boot-toolchain:trixie with-drive --image=./config.img boot --uki=./linux.efi console
   * @param image the raw disk image
   */
  @func()
  withDrive(image: File): QemuBoot {
    return this.with({ drive: image });
  }

  /**
   * This boot with a software TPM 2.0 (swtpm, fresh state, SHA-256 PCR bank
   * only) as QEMU's CRB device: the firmware and systemd-stub measure into
   * it, the guest sees /dev/tpmrm0.
   *
   * @example dagger -m modules/qemu-boot call --toolchain=registry.example/qemu-boot-toolchain:trixie with-software-tpm boot --uki=./linux.efi --stop-at="PCR 11 after ready" console
   */
  @func()
  withSoftwareTpm(): QemuBoot {
    const tpm = softwareTpm();
    return this.with({ setup: [...this.setup, tpm.setup], qemuArgs: [...this.qemuArgs, ...tpm.qemuArgs] });
  }

  /**
   * This boot with a file in the boot container before QEMU starts (e.g. a setup script's input).
   *
   * @example dagger -m modules/qemu-boot call --toolchain=registry.example/qemu-boot-toolchain:trixie with-file --path=/srv/user-data --file=./user-data with-setup --script="ls -l /srv" boot --uki=./linux.efi console
   * @param path where: absolute, or relative to the boot's workdir /boot
   * @param file the file
   */
  @func()
  withFile(path: string, file: File): QemuBoot {
    return this.with({ inputs: this.inputs.withFile(inputPath(path), file), hasInputs: true });
  }

  /**
   * This boot with a directory in the boot container before QEMU starts (e.g. a setup script's inputs).
   *
   * @example dagger -m modules/qemu-boot call --toolchain=registry.example/qemu-boot-toolchain:trixie with-directory --path=/srv/www --directory=./www boot --uki=./linux.efi console
   * @param path where: absolute, or relative to the boot's workdir /boot
   * @param directory the directory
   */
  @func()
  withDirectory(path: string, directory: Directory): QemuBoot {
    return this.with({ inputs: this.inputs.withDirectory(inputPath(path), directory), hasInputs: true });
  }

  /**
   * This boot with shell lines run (sh -e, in /boot) before QEMU starts,
   * after any earlier ones; a failing line fails the boot. Background jobs
   * run alongside the boot; QEMU's monitor socket is /tmp/qemu-monitor.sock.
   *
   * @example dagger -m modules/qemu-boot call --toolchain=registry.example/qemu-boot-toolchain:trixie with-setup --script="date > started" boot --uki=./linux.efi container file --path=/boot/started contents
   * @param script the shell lines
   */
  @func()
  withSetup(script: string): QemuBoot {
    return this.with({ setup: [...this.setup, script] });
  }

  /**
   * This boot with more QEMU arguments, after the disks (e.g. a NIC on a tap device the setup made).
   *
   * @example dagger -m modules/qemu-boot call --toolchain=registry.example/qemu-boot-toolchain:trixie with-qemu-args --args="-smp,2" boot --uki=./linux.efi console
   * @param args the arguments, in order
   */
  @func()
  withQemuArgs(args: string[]): QemuBoot {
    return this.with({ qemuArgs: [...this.qemuArgs, ...args] });
  }

  /**
   * This boot run with root capabilities, in the container's own network
   * namespace: what a setup needs to make tap devices and bind servers to them.
   *
   * @example dagger -m modules/qemu-boot call --toolchain=registry.example/qemu-boot-toolchain:trixie with-insecure-root-capabilities with-setup --script="ip tuntap add dev tap0 mode tap" boot --uki=./linux.efi console
   */
  @func()
  withInsecureRootCapabilities(): QemuBoot {
    return this.with({ insecureRootCapabilities: true });
  }

  /**
   * Boot `uki` from an ESP (as EFI/BOOT/BOOTX64.EFI) in QEMU (TCG, q35,
   * 1 GB) with OVMF, the serial console captured, until QEMU exits, a line
   * matches stopAt, or the timeout. Never fails on how the boot went: read
   * the result.
   *
   * @example dagger -m modules/qemu-boot call --toolchain=registry.example/qemu-boot-toolchain:trixie boot --uki=./linux.efi --power-off-after="login:" --timeout=300 console
   * @param uki the unified kernel image to boot
   * @param timeout seconds after which QEMU is killed
   * @param powerOffAfter regular expression: press the ACPI power button once a console line matches
   * @param powerOffDelay seconds between that line and the power button
   * @param stopAt regular expression: kill QEMU once a console line matches (e.g. a firmware refusal)
   * @param stamp regular expression: note the wall clock of each console line matching it
   * @param clockBehind start the guest's clock this many seconds behind the container's
   * @param nonce any string: a new value forces a fresh boot instead of a cached result
   */
  @func()
  async boot(
    uki: File,
    timeout = 600,
    powerOffAfter?: string,
    powerOffDelay = 0,
    stopAt?: string,
    stamp?: string,
    clockBehind = 0,
    nonce = "",
  ): Promise<BootRun> {
    const inputs = this.inputs;
    const ran = runBoot(harnessContainer(this.toolchain, dag.directory().withFile("harness.py", this.harness)), {
      uki,
      secureBootVars: this.vars,
      drive: this.drive,
      powerdownAfter: powerOffAfter,
      powerdownDelaySeconds: powerOffDelay,
      stopAt,
      stamp,
      clockBehindSeconds: clockBehind,
      timeoutSeconds: timeout,
      nonce,
      prepare: this.hasInputs ? (c) => c.withDirectory("/", inputs) : undefined,
      setup: this.setup,
      qemuArgs: this.qemuArgs,
      insecureRootCapabilities: this.insecureRootCapabilities,
    });
    const run = await readBootRun(ran);
    const stamps = run.stamps.map((s) => new BootStamp(s.line, s.epochMs));
    return new BootRun(run.console, run.exit, run.reason, run.seconds, run.powerdownSent, run.ukiSha256, stamps, ran);
  }

  /**
   * The Debian packages the toolchain container must have.
   *
   * @example dagger -m modules/qemu-boot call --toolchain=debian:trixie packages
   */
  @func()
  packages(): string[] {
    return [...new Set([...QEMU_BOOT_PACKAGES, ...SECURE_BOOT_VARS_PACKAGES, ...SOFTWARE_TPM_PACKAGES])];
  }
}

/** A path in the boot container as a path in the inputs directory (the container's root). */
function inputPath(path: string): string {
  return path.startsWith("/") ? path.slice(1) : `boot/${path}`;
}
