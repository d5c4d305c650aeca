/**
 * PID 1: the boot phases, the shutdown phases, and the events between them.
 * Reads top to bottom; the steps' details live in mounts.ts, services.ts,
 * kubelet.ts and system-socket.ts.
 */
import { bootOptions } from "./cmdline.js";
import { kmsgLog, why, type Log } from "./log.js";
import { mountFilesystems, unmountAll } from "./mounts.js";
import { applyNetworkSettings } from "./network.js";
import { giveRootAParent, INIT_EXECUTABLE } from "./root.js";
import { RUNTIME_SOCKET, services } from "./services.js";
import { Supervisor } from "./supervisor.js";
import type { PowerAction, Signal, Sys } from "./sys.js";
import { Event, SystemSocket, type CommandName } from "./system-socket.js";
import { PhaseMeasurer } from "./tpm.js";

interface Phase {
  name: string;
  run(init: Init): void;
}

/** Shutdown phases may wait (for processes to exit); boot phases never do. */
interface ShutdownPhase {
  name: string;
  run(init: Init): void | Promise<void>;
}

/**
 * Boot, in order: the root first (root.ts), then upstream steps 2 to 10 (1 is
 * the log; 3 comes after 4). The "measure" steps extend systemd's phase words
 * into PCR 11 at the same milestones as systemd (tpm.ts, docs/measured-boot.md).
 */
export const bootPhases: Phase[] = [
  { name: "give / a parent mount", run: (i) => giveRootAParent(i.sys, i.log) },
  { name: "mount filesystems", run: (i) => mountFilesystems(i.sys, i.log) },
  // The TPM needs /dev and /sys; nothing from the command line or a config is read before this.
  { name: "measure enter-initrd", run: (i) => i.phases.measure("enter-initrd") },
  // kiOS's root is the initramfs: there is no switch to a real root, so nothing runs between the two.
  { name: "measure leave-initrd", run: (i) => i.phases.measure("leave-initrd") },
  { name: "read kernel command line", run: (i) => i.applyBootOptions() },
  { name: "bring up loopback", run: (i) => i.sys.interfaceUp("lo") },
  // The basic system is set up; services start next.
  { name: "measure sysinit", run: (i) => i.phases.measure("sysinit") },
  { name: "start container runtime", run: (i) => i.supervisor.start("containerd") },
  { name: "network settings", run: (i) => applyNetworkSettings(i.sys, i.log) },
  { name: "open system socket", run: (i) => i.socket.open() },
  { name: "handle signals", run: (i) => i.handleSignals() },
  { name: "hide init", run: (i) => hide(i.sys) },
  {
    name: "start kubelet once the runtime socket exists",
    run: (i) =>
      i.sys.whenExists(RUNTIME_SOCKET, () => {
        i.log.notice("containerd ready");
        i.supervisor.start("kubelet");
        // The last boot step: the node is up.
        i.phases.measure("ready");
      }),
  },
];

/** How long processes get between SIGTERM and SIGKILL, and after SIGKILL. */
export const TERM_GRACE_MS = 5_000;
export const KILL_GRACE_MS = 2_000;
/** How long to wait for 0x02 after broadcasting shutdown: the kubelet's shutdownGracePeriod (30 s) and some. */
export const DRAIN_TIMEOUT_MS = 40_000;

/** Shutdown, in order, once the node is drained (upstream step 13). */
export const shutdownPhases: ShutdownPhase[] = [
  { name: "stop restarting services", run: (i) => i.supervisor.stopRestarting() },
  {
    name: "terminate every process",
    run: async (i) => {
      i.sys.kill(-1, "SIGTERM");
      await i.childrenGone(TERM_GRACE_MS);
    },
  },
  {
    name: "kill what is left",
    run: async (i) => {
      i.sys.kill(-1, "SIGKILL");
      await i.childrenGone(KILL_GRACE_MS);
    },
  },
  { name: "close the system socket", run: (i) => i.socket.close() },
  // PID 1 holds the log pipes open (their writer while services come and go): let /var/run go.
  { name: "close the log pipes", run: (i) => i.sys.closeOutputs() },
  // The last step that still has /dev and /sys.
  { name: "measure final", run: (i) => i.phases.measure("final") },
  { name: "unmount filesystems", run: (i) => unmountAll(i.sys, i.log) },
  { name: "sync", run: (i) => i.sys.sync() },
];

/** Boot step 8: the process is renamed and its executable removed. */
export function hide(sys: Sys): void {
  sys.setProcessName("kiOS");
  if (sys.exists(INIT_EXECUTABLE)) sys.unlink(INIT_EXECUTABLE);
}

type State = "running" | "draining" | "stopping";

export class Init {
  readonly log: Log;
  readonly supervisor: Supervisor;
  readonly socket: SystemSocket;
  readonly phases: PhaseMeasurer;
  private state: State = "running";
  private action: PowerAction = "poweroff";
  private cancelDrainTimeout: (() => void) | null = null;
  private childlessWaiters: (() => void)[] = [];

  constructor(readonly sys: Sys) {
    this.log = kmsgLog(sys);
    this.supervisor = new Supervisor(sys, this.log, services);
    this.socket = new SystemSocket(sys, this.log, (command) => this.command(command));
    this.phases = new PhaseMeasurer(sys, this.log);
  }

  /**
   * Runs the boot phases; a failing phase is logged and the next one runs.
   * Synchronous on purpose: no event is handled before boot is done.
   */
  boot(): void {
    this.log.notice("init starting");
    for (const phase of bootPhases) {
      try {
        phase.run(this);
      } catch (error) {
        this.log.error(`${phase.name}: ${why(error)}`);
      }
    }
    this.log.notice("booted");
  }

  /** kiOS's options on the kernel command line (cmdline.ts). */
  applyBootOptions(): void {
    const options = bootOptions(this.sys.readFile("/proc/cmdline") ?? "");
    if (options.serviceLogs) {
      this.supervisor.logsTo = options.serviceLogs;
      this.log.notice(`service output goes to ${options.serviceLogs} (kios.log=console)`);
    }
  }

  handleSignals(): void {
    this.sys.onSignal((signal) => this.signal(signal));
    this.reapChildren(); // children that exited before signals were handled
    try {
      this.sys.onPowerButton(() => this.requestShutdown("poweroff", "power button"));
    } catch (error) {
      this.log.warn(`no power button events: ${why(error)}`);
    }
  }

  /** Starts a soft shutdown: clients (the kubelet) hear of it and drain the node, then send 0x02. */
  requestShutdown(action: PowerAction, reason: string): void {
    if (this.state !== "running") {
      this.log.info(`${reason}: shutdown already under way`);
      return;
    }
    this.state = "draining";
    this.action = action;
    // From here on, secrets sealed to the boot phases no longer unseal.
    this.phases.measure("shutdown");
    const clients = this.socket.broadcast(Event.shutdown);
    this.log.notice(`${reason}: ${action} requested, told ${clients} system socket client(s)`);
    if (clients === 0) {
      void this.continueShutdown();
      return;
    }
    this.cancelDrainTimeout = this.sys.setTimer(DRAIN_TIMEOUT_MS, () => {
      this.log.warn(`no 0x02 after ${DRAIN_TIMEOUT_MS} ms: shutting down anyway`);
      void this.continueShutdown();
    });
  }

  /** Runs the shutdown phases, then powers off or restarts. */
  async continueShutdown(): Promise<void> {
    if (this.state === "stopping") return;
    this.state = "stopping";
    this.cancelDrainTimeout?.();
    this.log.warn(`shutting down (${this.action})`);
    for (const phase of shutdownPhases) {
      this.log.info(`shutdown: ${phase.name}`);
      try {
        await phase.run(this);
      } catch (error) {
        this.log.error(`${phase.name}: ${why(error)}`);
      }
    }
    this.log.notice(this.action === "restart" ? "restarting" : "powering off");
    try {
      this.sys.reboot(this.action);
    } catch (error) {
      this.log.error(`reboot: ${why(error)}`);
    }
  }

  /** Resolves true once no child is left, false after `ms`. */
  childrenGone(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const cancel = this.sys.setTimer(ms, () => {
        this.childlessWaiters = this.childlessWaiters.filter((w) => w !== done);
        resolve(false);
      });
      const done = () => {
        cancel();
        resolve(true);
      };
      this.childlessWaiters.push(done);
      this.reapChildren();
    });
  }

  private command(command: CommandName): void {
    switch (command) {
      case "shutdown":
        return this.requestShutdown("poweroff", "system socket");
      case "reboot":
        return this.requestShutdown("restart", "system socket");
      case "continueShutdown":
        // Only an answer to a shutdown event: a stray 0x02 must not power the node off.
        if (this.state !== "draining") return this.log.warn("system socket: continueShutdown without a shutdown under way: ignored");
        return void this.continueShutdown();
      case "restartKubelet":
        return this.supervisor.restart("kubelet");
      case "restartRuntime":
        return this.supervisor.restart("containerd");
    }
  }

  private signal(signal: Signal): void {
    switch (signal) {
      case "SIGCHLD":
        return this.reapChildren();
      case "SIGTERM":
      case "SIGPWR":
        return this.requestShutdown("poweroff", signal);
      case "SIGINT": // Ctrl-Alt-Del
        return this.requestShutdown("restart", signal);
      default:
        this.log.info(`ignored ${signal}`);
    }
  }

  /** Reaps every exited child: services are handed to the supervisor, orphans just collected. */
  private reapChildren(): void {
    const { exits, childless } = this.sys.reap();
    const orphans = exits.filter((exit) => !this.supervisor.childExited(exit)).length;
    if (orphans > 0) this.log.info(`reaped ${orphans} orphan(s)`);
    if (childless) {
      const waiters = this.childlessWaiters;
      this.childlessWaiters = [];
      for (const done of waiters) done();
    }
  }
}
