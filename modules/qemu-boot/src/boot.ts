/**
 * Boot a UKI in QEMU (TCG) with OVMF, from an ESP as EFI/BOOT/BOOTX64.EFI,
 * with the serial console captured by harness.py (power button, stop-at,
 * stamps, timeout). Optionally under Secure Boot, with a second virtio disk,
 * and with the caller's own setup (inputs, shell lines, QEMU arguments) run
 * before QEMU starts. Judging the console is left to the caller.
 */
import { Container, Directory, File } from "@dagger.io/dagger";

/** The Debian packages a boot needs in its toolchain. */
export const QEMU_BOOT_PACKAGES = ["qemu-system-x86", "ovmf", "python3", "mtools", "dosfstools"];

/**
 * QEMU's most capable TCG CPU without "fast short REP MOV/STOS" (FSRM, FSRS).
 * With them, Linux copies and clears memory with `rep movsb`/`rep stosb`
 * at every size, which TCG emulates a byte per iteration: QEMU 10's `max`
 * has them (7.2's did not), and the kernel took about 2 s longer to unpack
 * the initramfs. Hardware with FSRM runs those instructions fast; this only
 * spares the emulator.
 */
export const QEMU_CPU = "max,-fsrm,-fsrs";

/** QEMU's monitor socket in the boot container (the harness presses the power button on it; setup scripts may too). */
export const MONITOR_SOCKET = "/tmp/qemu-monitor.sock";

/*
 * The "kios" in the names below (and in the ESP's label, the UKI's file name)
 * is historical: this module came out of kiOS, whose cached boots depend on
 * the exact commands.
 */

/** Where the harness and the caller's scripts are installed in the boot container. */
export const SCRIPTS_DIR = "/usr/local/lib/kios-boot";

/** The harness's command (a link to SCRIPTS_DIR/harness.py). */
const HARNESS_COMMAND = "kios-boot-harness";

/** An environment variable whose value only splits the cache (BootOptions.nonce). */
const NONCE_VARIABLE = "KIOS_BOOT_NONCE";

const OVMF = "/usr/share/OVMF";

export interface ScriptsOptions {
  /** Patterns of the files of `scripts` to install (default *.py, *.sh). */
  include?: string[];
  /** Patterns, under SCRIPTS_DIR, of the files made executable (default *.*). */
  executables?: string[];
}

/**
 * `toolchain` (with QEMU_BOOT_PACKAGES) with `scripts` installed in
 * SCRIPTS_DIR: it must hold harness.py, which becomes the harness command.
 */
export function harnessContainer(toolchain: Container, scripts: Directory, opts: ScriptsOptions = {}): Container {
  const executables = (opts.executables ?? ["*.*"]).map((pattern) => `${SCRIPTS_DIR}/${pattern}`);
  return toolchain
    .withDirectory(SCRIPTS_DIR, scripts, { include: opts.include ?? ["*.py", "*.sh"] })
    .withExec(["sh", "-c", `chmod 755 ${executables.join(" ")} && ln -s ${SCRIPTS_DIR}/harness.py /usr/local/bin/${HARNESS_COMMAND}`]);
}

export interface BootOptions {
  uki: File;
  /** Enrolled OVMF variables: boots with the Secure Boot firmware when given. */
  secureBootVars?: File;
  /** Regex: press the ACPI power button once a console line matches (powerdownDelaySeconds later). */
  powerdownAfter?: string;
  powerdownDelaySeconds?: number;
  /** Regex: stop QEMU once a console line matches (e.g. a firmware refusal). */
  stopAt?: string;
  timeoutSeconds: number;
  /** Any string: a new value forces a fresh boot instead of a cached result. */
  nonce?: string;
  /** A raw disk image attached as a second virtio disk, read-only (e.g. a config drive). */
  drive?: File;
  /** Starts the guest's clock this many seconds behind this container's. */
  clockBehindSeconds?: number;
  /** Regex: the harness notes this container's wall clock for each console line matching it. */
  stamp?: string;
  /** The last changes to the boot container before QEMU starts (after the disks): e.g. the setup's input files. */
  prepare?: (c: Container) => Container;
  /** Shell lines run (sh -e, workdir /boot) before QEMU starts; one failing fails the boot. */
  setup?: string[];
  /** More QEMU arguments, after the disks (e.g. a NIC). */
  qemuArgs?: string[];
  /** Runs the boot with root capabilities in its own network namespace (e.g. for a tap device). */
  insecureRootCapabilities?: boolean;
}

/**
 * The boot container after the boot: its workdir /boot holds console.log,
 * result.json (the harness's) and uki.sha256. Read it with readBootRun.
 */
export function runBoot(c: Container, opts: BootOptions): Container {
  const secure = opts.secureBootVars !== undefined;
  c = c
    .withWorkdir("/boot")
    .withFile("kios.efi", opts.uki)
    .withExec(["mkfs.vfat", "-C", "--invariant", "-n", "KIOS-ESP", "esp.img", "131072"])
    .withExec(["mmd", "-i", "esp.img", "::/EFI", "::/EFI/BOOT"])
    .withExec(["mcopy", "-i", "esp.img", "kios.efi", "::/EFI/BOOT/BOOTX64.EFI"]);
  c = secure ? c.withFile("vars.fd", opts.secureBootVars!) : c.withExec(["cp", `${OVMF}/OVMF_VARS_4M.fd`, "vars.fd"]);
  const code = secure ? `${OVMF}/OVMF_CODE_4M.secboot.fd` : `${OVMF}/OVMF_CODE_4M.fd`;
  const harness = [HARNESS_COMMAND, "--console", "console.log", "--result", "result.json", "--monitor", MONITOR_SOCKET, "--timeout", String(opts.timeoutSeconds)];
  if (opts.powerdownAfter) harness.push("--powerdown-after", opts.powerdownAfter, "--powerdown-delay", String(opts.powerdownDelaySeconds ?? 0));
  if (opts.stopAt) harness.push("--stop-at", opts.stopAt);
  if (opts.stamp) harness.push("--stamp", opts.stamp);
  if (opts.clockBehindSeconds) harness.push("--clock-behind", String(opts.clockBehindSeconds));
  const qemu = [
    "qemu-system-x86_64", "-accel", "tcg", "-cpu", QEMU_CPU, "-m", "1024", "-no-reboot", "-nic", "none",
    "-machine", secure ? "q35,smm=on" : "q35",
    ...(secure ? ["-global", "driver=cfi.pflash01,property=secure,value=on"] : []),
    "-drive", `if=pflash,format=raw,unit=0,readonly=on,file=${code}`,
    "-drive", "if=pflash,format=raw,unit=1,file=vars.fd",
    "-drive", "if=virtio,format=raw,file=esp.img",
  ];
  if (opts.drive) {
    c = c.withFile("drive.img", opts.drive);
    qemu.push("-drive", "if=virtio,format=raw,readonly=on,file=drive.img");
  }
  if (opts.prepare) c = opts.prepare(c);
  qemu.push(...(opts.qemuArgs ?? []));
  const setup = ["sha256sum kios.efi | cut -d' ' -f1 > uki.sha256", ...(opts.setup ?? [])];
  const command = ["sh", "-ec", [...setup, 'exec "$@"'].join("\n"), "boot", ...harness, "--", ...qemu];
  return c
    .withEnvVariable(NONCE_VARIABLE, opts.nonce ?? "")
    .withExec(command, { insecureRootCapabilities: opts.insecureRootCapabilities ?? false });
}

/** A console line's time on the boot container's wall clock, in ms since the epoch. */
export interface Stamp {
  line: string;
  epochMs: number;
}

export interface BootResult {
  console: string;
  exit: number;
  reason: "qemu exited" | "stop-at matched" | "timeout";
  seconds: number;
  powerdownSent: boolean;
  /** sha256 of the UKI QEMU booted. */
  ukiSha256: string;
  stamps: Stamp[];
}

/** What the harness wrote in the container runBoot returned. */
export async function readBootRun(ran: Container): Promise<BootResult> {
  const result = JSON.parse(await ran.file("result.json").contents());
  return {
    console: await ran.file("console.log").contents(),
    exit: result.exit,
    reason: result.reason,
    seconds: result.seconds,
    powerdownSent: result.powerdown_sent,
    ukiSha256: (await ran.file("uki.sha256").contents()).trim(),
    stamps: (result.stamps as { line: string; epoch_ms: number }[]).map((s) => ({ line: s.line, epochMs: s.epoch_ms })),
  };
}
