/**
 * The two long-lived services PID 1 runs, in one table: what they run, where
 * their logs go, when they count as ready and how they are restarted.
 */
import { hostnameFrom, HOSTNAME, kubeletArgv, readKubeletInputs } from "./kubelet.js";
import type { Log } from "./log.js";
import { why } from "./log.js";
import type { Sys } from "./sys.js";

export const RUNTIME_SOCKET = "/run/containerd/containerd.sock";

/** Every service sees only this environment. */
export const SERVICE_ENV = ["PATH=/bin", "HOME=/"];

export interface Service {
  name: string;
  /** Computed at every start, so that a restart picks up changed inputs. */
  argv(sys: Sys): string[];
  /** A named pipe that a pod on the node can stream (`kubectl logs`). */
  logPipe: string;
  /** A path whose existence means the service is ready, if it has one. */
  readyWhenExists?: string;
  /** Runs just before each start. */
  beforeStart?(sys: Sys, log: Log): void;
  /** Restarted whenever it exits, until shutdown; see restartDelay. */
  restart: "always";
}

export const services: Service[] = [
  {
    name: "containerd",
    argv: () => ["/bin/containerd", "--config", "/etc/containerd/config.toml"],
    logPipe: "/var/run/containerd.log",
    readyWhenExists: RUNTIME_SOCKET,
    restart: "always",
  },
  {
    name: "kubelet",
    argv: (sys) => kubeletArgv(readKubeletInputs(sys)),
    logPipe: "/var/run/kubelet.log",
    beforeStart: setHostnameFromFile,
    restart: "always",
  },
];

export function service(name: string): Service {
  const found = services.find((s) => s.name === name);
  if (!found) throw new Error(`no service ${name}`);
  return found;
}

/** Sets the hostname from /etc/hostname, when it names one. */
export function setHostnameFromFile(sys: Sys, log: Log): void {
  const name = hostnameFrom(sys.readFile(HOSTNAME));
  if (name === null) return;
  try {
    sys.sethostname(name);
  } catch (error) {
    log.warn(`hostname ${JSON.stringify(name)} not set: ${why(error)}`);
  }
}

/** A run this long counts as healthy: its exit restarts at once. */
export const HEALTHY_RUN_MS = 10_000;
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 5_000;

/**
 * How long to wait before restarting a service that exited after `ranMs`,
 * given how many quick exits came right before this one. Immediate after a
 * healthy run; doubling from 100 ms to at most 5 s while it keeps failing, so
 * that a broken binary cannot make PID 1 spin.
 */
export function restartDelay(ranMs: number, quickExitsBefore: number): number {
  if (ranMs >= HEALTHY_RUN_MS) return 0;
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** quickExitsBefore);
}
