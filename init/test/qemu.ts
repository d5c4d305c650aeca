/**
 * Boots the init as PID 1 of an initramfs in QEMU under TCG (direct boot of
 * kiOS's kernel), reading the serial console and driving the ACPI power
 * button through the QEMU monitor.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InitTestAssets } from "../../tests/support/init-exe.js";
import { waitFor } from "./namespace.js";

export const QEMU = "qemu-system-x86_64";

/**
 * The kernel command line. `printk.devkmsg=on` lets every record of the init
 * through: by default /dev/kmsg keeps 10 records per 5 s from one writer.
 */
export const CMDLINE = "console=ttyS0 panic=-1 printk.devkmsg=on";

/**
 * The host's QEMU `max` CPU without 5-level paging, which costs only the
 * emulator (see QEMU_CPU in .dagger/src/stages/boot.ts; the host's QEMU 7.2
 * has no FSRM/FSRS to leave out).
 */
export const QEMU_CPU = "max,-la57";

export function checkQemu(): void {
  const probe = spawnSync(QEMU, ["--version"], { encoding: "utf8" });
  if (probe.status !== 0) {
    throw new Error(`the QEMU tests need ${QEMU} on the host (Debian: apt-get install qemu-system-x86): ${probe.error?.message ?? probe.stderr}`);
  }
}

export class Vm {
  private exitCode: number | null | undefined;
  readonly exited: Promise<number | null>;

  private constructor(
    private readonly dir: string,
    private readonly qemu: ChildProcess,
  ) {
    this.exited = new Promise((resolve) =>
      qemu.on("exit", (code) => {
        this.exitCode = code;
        resolve(code);
      }),
    );
  }

  /** Boots `kernel` (a bzImage) with the assets' initramfs. */
  static async boot(kernel: string, assets: InitTestAssets, extraCmdline = ""): Promise<Vm> {
    checkQemu();
    const dir = await mkdtemp(join(tmpdir(), "kios-qemu-"));
    const qemu = spawn(
      QEMU,
      [
        "-accel", "tcg", "-machine", "q35", "-cpu", QEMU_CPU, "-m", "1024", "-nographic", "-no-reboot", "-nic", "none",
        "-kernel", kernel, "-initrd", assets.initramfs, "-append", `${CMDLINE} ${extraCmdline}`.trim(),
        "-serial", `file:${join(dir, "serial.log")}`, "-monitor", `unix:${join(dir, "monitor.sock")},server,nowait`,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    return new Vm(dir, qemu);
  }

  async console(): Promise<string> {
    try {
      return await readFile(join(this.dir, "serial.log"), "latin1");
    } catch {
      return "";
    }
  }

  /** Waits for a console line containing `text`; fails early if QEMU exits. */
  async waitForLine(text: string, ms: number): Promise<void> {
    await waitFor(
      `"${text}" on the console`,
      async () => {
        if (this.exitCode !== undefined) throw new Error(`QEMU exited (${this.exitCode}) before "${text}":\n${(await this.console()).slice(-3000)}`);
        return (await this.console()).includes(text);
      },
      ms,
    );
  }

  /** Sends a command to the QEMU monitor (e.g. system_powerdown: the ACPI power button). */
  async monitor(command: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const socket = createConnection({ path: join(this.dir, "monitor.sock") }, () => {
        socket.write(`${command}\n`, () => setTimeout(() => (socket.end(), resolve()), 300));
      });
      socket.on("error", reject);
    });
  }

  async dispose(): Promise<void> {
    if (this.exitCode === undefined) {
      this.qemu.kill("SIGKILL");
      await this.exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The kernel's timestamp (seconds) of the first console line containing `text`, from "[   5.123456] ..." lines. */
export function consoleTime(console: string, text: string): number | undefined {
  for (const line of console.split("\n")) {
    if (!line.includes(text)) continue;
    const match = /^\[\s*(\d+\.\d+)\]/.exec(line);
    if (match) return Number(match[1]);
  }
  return undefined;
}
