/**
 * Reading a serial console: the boot milestones a kiOS smoke boot must
 * reach, in order, and its probe's lines. The generic reading (printk
 * times, milestones in order) is modules/qemu-boot's, re-exported here.
 */
import type { ConsoleLine, Milestone } from "../../../modules/qemu-boot/src/console.js";

export type { ConsoleLine, Milestone, MilestoneHit } from "../../../modules/qemu-boot/src/console.js";
export { findEvent, findMilestones, MissedMilestone, parseConsole } from "../../../modules/qemu-boot/src/console.js";

/** What a kiOS smoke boot must print, in this order. */
export const smokeMilestones: Milestone[] = [
  { name: "kernel banner", pattern: /Linux version \d+\.\d+/ },
  { name: "init started", pattern: /kiOS: init starting/ },
  { name: "containerd ready", pattern: /kiOS: containerd ready/ },
  { name: "kubelet started", pattern: /kiOS: started kubelet/ },
  { name: "probe done", pattern: /kios-probe: done/ },
  { name: "powered off", pattern: /reboot: Power down/ },
];

/** node.yaml applied: PID 1 started the kubelet with the labels it gave. */
export const configApplied: Milestone = { name: "config applied", pattern: /kiOS: started kubelet .*--node-labels/ };

/** Lines the probe pod writes to /dev/kmsg as "kios-probe: <key> <value>". */
export function probeFacts(lines: ConsoleLine[], key: string): string[] {
  return probeLines(lines, key).map((l) => l.text.slice(`kios-probe: ${key} `.length));
}

/** The probe's lines for `key`, with their times. */
export function probeLines(lines: ConsoleLine[], key: string): ConsoleLine[] {
  return lines.filter((l) => l.text.startsWith(`kios-probe: ${key} `));
}
