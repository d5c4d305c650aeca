/** The result objects of QemuBoot.boot: one boot as it went. */
import { Container, field, float, func, object } from "@dagger.io/dagger";
import { findMilestones, parseConsole } from "./console.js";

/** A console line the harness stamped, with the boot container's wall clock. */
@object()
export class BootStamp {
  /** The console line. */
  @field() line: string;
  /** When it arrived, in ms since the Unix epoch. */
  @field() epochMs: number;

  /**
   * @param line the console line
   * @param epochMs when it arrived, in ms since the Unix epoch
   */
  constructor(line: string, epochMs: number) {
    this.line = line;
    this.epochMs = epochMs;
  }
}

/** One boot of a UKI as it went: its serial console and why it ended. Judging it is the caller's business. */
@object()
export class BootRun {
  /** The serial console, firmware to the end. */
  @field() console: string;
  /** QEMU's exit status. */
  @field() exitCode: number;
  /** Why the boot ended: "qemu exited" (e.g. powered off), "stop-at matched" or "timeout". */
  @field() ended: string;
  /** How long QEMU ran, in seconds. */
  @field() seconds: float;
  /** Whether the harness pressed the power button. */
  @field() powerOffSent: boolean;
  /** sha256 of the UKI that booted. */
  @field() ukiSha256: string;
  /** The console lines matching the boot's stamp pattern, with the wall clock. */
  @field() stamps: BootStamp[];
  /** The boot container after the boot: /boot holds console.log and result.json, and what setup scripts left. */
  @field() container: Container;

  /**
   * @param console the serial console
   * @param exitCode QEMU's exit status
   * @param ended why the boot ended
   * @param seconds how long QEMU ran
   * @param powerOffSent whether the power button was pressed
   * @param ukiSha256 sha256 of the UKI that booted
   * @param stamps the stamped console lines
   * @param container the boot container after the boot
   */
  constructor(
    console: string,
    exitCode: number,
    ended: string,
    seconds: float,
    powerOffSent: boolean,
    ukiSha256: string,
    stamps: BootStamp[],
    container: Container,
  ) {
    this.console = console;
    this.exitCode = exitCode;
    this.ended = ended;
    this.seconds = seconds;
    this.powerOffSent = powerOffSent;
    this.ukiSha256 = ukiSha256;
    this.stamps = stamps;
    this.container = container;
  }

  /**
   * The console lines matching `patterns` in turn, each after the previous
   * one's line (printk time stamps left out); fails naming the first pattern
   * not matched, with the console's last 40 lines.
   *
   * @example dagger -m modules/qemu-boot call --toolchain=registry.example/qemu-boot-toolchain:trixie boot --uki=./linux.efi --power-off-after="login:" milestones --patterns="Linux version,reboot: Power down"
   * @param patterns regular expressions, matched against each line in turn
   */
  @func()
  milestones(patterns: string[]): string[] {
    const milestones = patterns.map((pattern) => ({ name: pattern, pattern: new RegExp(pattern) }));
    return findMilestones(parseConsole(this.console), milestones).map((hit) => hit.line);
  }
}
