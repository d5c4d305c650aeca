/**
 * kios-bootstrap: the static pod that makes a node what its node.yaml says.
 * Reads the config channel (channel.ts), validates with the one schema
 * (.dagger/src/node-config), plans every file (plan.ts), writes them all,
 * then asks PID 1 to restart the kubelet (0x03 on the system socket).
 * Anything wrong: one error line naming the key, nothing written, and the
 * node goes on standalone as it booted.
 */
import { parseNodeConfig } from "../.dagger/src/node-config/parse.js";
import { type MetadataService, readNodeConfigText } from "./channel.js";
import { type CurrentFiles, type FileWrite, PATHS, planNodeFiles } from "./plan.js";
import type { NodeSys } from "./sys.js";

export interface BootstrapOptions {
  /** Where the host's root is mounted in the pod ("/host"). */
  hostRoot: string;
  /** An empty folder to mount the config drive on. */
  driveMount: string;
  metadata: MetadataService;
  /** PID 1's system socket. */
  systemSocket: string;
}

const RESTART_KUBELET = 0x03;

export function currentFiles(sys: NodeSys, hostRoot: string): CurrentFiles {
  return {
    kubeletConfig: sys.readFile(hostRoot + PATHS.kubeletConfig),
    ntpManifest: sys.readFile(hostRoot + PATHS.ntpManifest),
    resolvConf: sys.readFile(hostRoot + PATHS.resolvConf),
  };
}

/**
 * Writes every file of the plan, all or nothing: each is staged next to its
 * place first; only when all are staged are they renamed into place. A
 * failure while staging removes what was staged.
 */
export function applyPlan(sys: NodeSys, hostRoot: string, plan: FileWrite[]): void {
  const staged: { temp: string; path: string }[] = [];
  try {
    for (const write of plan) staged.push({ temp: sys.stageFile(hostRoot + write.path, write.content, write.mode), path: hostRoot + write.path });
  } catch (error) {
    for (const { temp } of staged) sys.remove(temp);
    throw error;
  }
  for (const { temp, path } of staged) sys.rename(temp, path);
}

function summary(plan: FileWrite[]): string {
  return plan.map((w) => w.path).join(", ");
}

/** Returns true when the node took its configuration. */
export function runBootstrap(sys: NodeSys, options: BootstrapOptions): boolean {
  let plan: FileWrite[];
  let source: string;
  try {
    const channel = readNodeConfigText(sys, options.driveMount, options.metadata);
    source = channel.source;
    const config = parseNodeConfig(channel.text, channel.source);
    // What is already there is not written again: a second run (the kubelet
    // restarts static pods when the hostname changes) changes nothing.
    plan = planNodeFiles(config, currentFiles(sys, options.hostRoot)).filter(
      (write) => sys.readFile(options.hostRoot + write.path) !== write.content,
    );
  } catch (error) {
    sys.report("error", `error: ${(error as Error).message}; nothing written, the node stays standalone`);
    return false;
  }
  if (plan.length === 0) {
    sys.report("info", `${source} is already applied: nothing to write`);
    return true;
  }
  try {
    applyPlan(sys, options.hostRoot, plan);
    sys.sendByte(options.systemSocket, RESTART_KUBELET);
  } catch (error) {
    sys.report("error", `error: applying ${source}: ${(error as Error).message}`);
    return false;
  }
  sys.report("info", `applied ${source}: wrote ${summary(plan)}; kubelet restart asked`);
  return true;
}
