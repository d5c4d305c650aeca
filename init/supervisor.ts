/**
 * Starts the services of the table and restarts them when they exit, until
 * shutdown stops it. Knows nothing of other children: their exits are the
 * reaper's business (init.ts) and are ignored here.
 */
import type { Log } from "./log.js";
import { why } from "./log.js";
import { restartDelay, HEALTHY_RUN_MS, SERVICE_ENV, type Service } from "./services.js";
import type { ChildExit, Sys } from "./sys.js";

interface Running {
  pid: number;
  startedAt: number;
}

export function describeExit(exit: ChildExit): string {
  return exit.signal !== null ? `killed by signal ${exit.signal}` : `exit code ${exit.code}`;
}

export class Supervisor {
  private readonly running = new Map<string, Running>();
  private readonly quickExits = new Map<string, number>();
  private readonly pendingStarts = new Map<string, () => void>();
  private readonly restartAtOnce = new Set<string>();
  private restarting = true;
  /** When set, every service writes here instead of its log pipe. */
  logsTo: string | null = null;

  constructor(
    private readonly sys: Sys,
    private readonly log: Log,
    private readonly table: readonly Service[],
  ) {}

  /** Starts a service now (unless shutdown began or it already runs). */
  start(name: string): void {
    const svc = this.find(name);
    if (!this.restarting || this.running.has(name)) return;
    this.pendingStarts.get(name)?.();
    this.pendingStarts.delete(name);
    try {
      svc.beforeStart?.(this.sys, this.log);
    } catch (error) {
      this.log.warn(`before starting ${name}: ${why(error)}`);
    }
    const output = this.logsTo ?? svc.logPipe;
    if (!this.logsTo) {
      try {
        this.sys.mkfifo(svc.logPipe, 0o600);
      } catch (error) {
        this.log.warn(`log pipe ${svc.logPipe}: ${why(error)}`);
      }
    }
    let argv: string[] = [];
    try {
      argv = svc.argv(this.sys);
      const pid = this.sys.spawn(argv, SERVICE_ENV, output);
      this.running.set(name, { pid, startedAt: this.sys.now() });
      this.log.info(`started ${name} (pid ${pid}): ${argv.join(" ")}`);
    } catch (error) {
      this.log.error(`cannot start ${name}: ${why(error)}`);
      this.scheduleRestart(name, 0);
    }
  }

  /** Stops a running service with SIGTERM; it is started again at once (0x03, 0x04). */
  restart(name: string): void {
    const run = this.running.get(name);
    if (!run) {
      this.start(name); // not running: maybe waiting out a restart delay
      return;
    }
    this.restartAtOnce.add(name);
    this.log.notice(`restarting ${name} (pid ${run.pid})`);
    this.sys.kill(run.pid, "SIGTERM");
  }

  /** Handles a reaped child; returns false when it is not one of the services. */
  childExited(exit: ChildExit): boolean {
    const name = [...this.running].find(([, run]) => run.pid === exit.pid)?.[0];
    if (name === undefined) return false;
    const ranMs = this.sys.now() - this.running.get(name)!.startedAt;
    this.running.delete(name);
    if (!this.restarting) {
      this.log.info(`${name} (pid ${exit.pid}) stopped: ${describeExit(exit)}`);
      return true;
    }
    this.log.warn(`${name} (pid ${exit.pid}) exited after ${ranMs} ms: ${describeExit(exit)}`);
    this.scheduleRestart(name, ranMs);
    return true;
  }

  /** From now on nothing is started or restarted (shutdown). */
  stopRestarting(): void {
    this.restarting = false;
    for (const cancel of this.pendingStarts.values()) cancel();
    this.pendingStarts.clear();
  }

  pidOf(name: string): number | undefined {
    return this.running.get(name)?.pid;
  }

  private scheduleRestart(name: string, ranMs: number): void {
    const quick = this.quickExits.get(name) ?? 0;
    const deliberate = this.restartAtOnce.delete(name);
    const delay = deliberate ? 0 : restartDelay(ranMs, quick);
    if (!deliberate) this.quickExits.set(name, ranMs >= HEALTHY_RUN_MS ? 0 : quick + 1);
    if (delay === 0) {
      this.start(name);
      return;
    }
    this.log.notice(`restarting ${name} in ${delay} ms`);
    const cancel = this.sys.setTimer(delay, () => {
      this.pendingStarts.delete(name);
      this.start(name);
    });
    this.pendingStarts.set(name, cancel);
  }

  private find(name: string): Service {
    const svc = this.table.find((s) => s.name === name);
    if (!svc) throw new Error(`no service ${name}`);
    return svc;
  }
}
