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
  /** Restarted whenever it exits, until shutdown, within its RestartBudget. */
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

/** Restarts a service may have at once; then one more per RESTART_REFILL_MS. */
export const RESTART_BURST = 10;
export const RESTART_REFILL_MS = 5_000;

/**
 * A service's restart budget (a token bucket): every restart, after a crash
 * or asked for on the system socket, takes one. Up to RESTART_BURST restarts
 * happen at once, so a service killed now and then is back at once; past
 * that, one per RESTART_REFILL_MS, so that neither a broken binary nor a
 * flood of 0x03 can restart a service in a loop.
 */
export class RestartBudget {
  private tokens = RESTART_BURST;
  private since = 0;

  /** 0 when a restart may happen now (and takes it), else the ms until one may. */
  take(now: number): number {
    if (this.tokens === RESTART_BURST) this.since = now;
    const earned = Math.floor((now - this.since) / RESTART_REFILL_MS);
    if (earned > 0) {
      this.tokens = Math.min(RESTART_BURST, this.tokens + earned);
      this.since += earned * RESTART_REFILL_MS;
    }
    if (this.tokens > 0) {
      this.tokens--;
      return 0;
    }
    return this.since + RESTART_REFILL_MS - now;
  }
}
