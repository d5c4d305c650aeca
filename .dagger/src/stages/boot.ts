/**
 * Boot a UKI in QEMU (TCG) with OVMF, from an ESP as EFI/BOOT/BOOTX64.EFI,
 * with the serial console captured by boot/harness.py. Judging the console
 * is left to the caller (see ../boot/).
 */
import { Container, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";

export const bootPackages = ["qemu-system-x86", "ovmf", "python3", "mtools", "dosfstools"];

export interface BootOptions {
  uki: File;
  /** Enrolled OVMF variables: boots with the Secure Boot firmware when given. */
  secureBootVars?: File;
  /** Regex: send the ACPI power button once a console line matches. */
  powerdownAfter?: string;
  /** Regex: stop QEMU once a console line matches (e.g. a firmware refusal). */
  stopAt?: string;
  timeoutSeconds: number;
  /** Any string: a new value forces a fresh boot instead of a cached result. */
  nonce?: string;
}

export interface BootRun {
  console: string;
  exit: number;
  reason: "qemu exited" | "stop-at matched" | "timeout";
  seconds: number;
  powerdownSent: boolean;
}

/**
 * QEMU's most capable TCG CPU without "fast short REP MOV/STOS" (FSRM, FSRS).
 * With them, Linux copies and clears memory with `rep movsb`/`rep stosb`
 * at every size, which TCG emulates a byte per iteration: QEMU 10's `max`
 * has them (7.2's did not), and the kernel took about 2 s longer to unpack
 * the initramfs (README: where the boot goes). Hardware with FSRM runs those
 * instructions fast; this only spares the emulator.
 */
export const QEMU_CPU = "max,-fsrm,-fsrs";

/** The container with QEMU, OVMF and the harness. */
export function bootContainer(ctx: StageContext): Container {
  return ctx.toolchain(bootPackages).withFile("/usr/local/bin/kios-boot-harness", ctx.source.file("boot/harness.py"), {
    permissions: 0o755,
  });
}

export async function bootUki(ctx: StageContext, opts: BootOptions): Promise<BootRun> {
  const secure = opts.secureBootVars !== undefined;
  let c = bootContainer(ctx)
    .withWorkdir("/boot")
    .withFile("kios.efi", opts.uki)
    .withExec(["mkfs.vfat", "-C", "--invariant", "-n", "KIOS-ESP", "esp.img", "131072"])
    .withExec(["mmd", "-i", "esp.img", "::/EFI", "::/EFI/BOOT"])
    .withExec(["mcopy", "-i", "esp.img", "kios.efi", "::/EFI/BOOT/BOOTX64.EFI"]);
  c = secure
    ? c.withFile("vars.fd", opts.secureBootVars!)
    : c.withExec(["cp", "/usr/share/OVMF/OVMF_VARS_4M.fd", "vars.fd"]);
  const code = secure ? "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd" : "/usr/share/OVMF/OVMF_CODE_4M.fd";
  const harness = ["kios-boot-harness", "--console", "console.log", "--result", "result.json", "--timeout", String(opts.timeoutSeconds)];
  if (opts.powerdownAfter) harness.push("--powerdown-after", opts.powerdownAfter);
  if (opts.stopAt) harness.push("--stop-at", opts.stopAt);
  const qemu = [
    "qemu-system-x86_64", "-accel", "tcg", "-cpu", QEMU_CPU, "-m", "1024", "-no-reboot", "-nic", "none",
    "-machine", secure ? "q35,smm=on" : "q35",
    ...(secure ? ["-global", "driver=cfi.pflash01,property=secure,value=on"] : []),
    "-drive", `if=pflash,format=raw,unit=0,readonly=on,file=${code}`,
    "-drive", "if=pflash,format=raw,unit=1,file=vars.fd",
    "-drive", "if=virtio,format=raw,file=esp.img",
  ];
  const ran = c
    .withEnvVariable("KIOS_BOOT_NONCE", opts.nonce ?? "")
    .withExec([...harness, "--", ...qemu]);
  const result = JSON.parse(await ran.file("result.json").contents());
  return {
    console: await ran.file("console.log").contents(),
    exit: result.exit,
    reason: result.reason,
    seconds: result.seconds,
    powerdownSent: result.powerdown_sent,
  };
}
