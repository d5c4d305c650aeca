/**
 * Starts the services of the table and restarts them when they exit, until
 * shutdown stops it. Knows nothing of other children: their exits are the
 * reaper's business (init.ts) and are ignored here.
 */
import type { Log } from "./log.js";
import { why } from "./log.js";
import { RestartBudget, SERVICE_ENV, type Service } from "./services.js";
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
  private readonly budgets = new Map<string, RestartBudget>();
  /** Starts (or, for a running service, deliberate restarts) waiting out the budget. */
  private readonly pending = new Map<string, () => void>();
  /** Services stopped on purpose: started again as soon as they exit. */
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
    this.cancelPending(name);
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
      this.scheduleRestart(name);
    }
  }

  /**
   * Stops a running service with SIGTERM and starts it again as soon as it
   * exits (0x03, 0x04), within its restart budget. A restart asked for while
   * one is under way or waiting is the same restart.
   */
  restart(name: string): void {
    const run = this.running.get(name);
    if (!run) {
      if (!this.pending.has(name)) this.start(name);
      return;
    }
    if (this.restartAtOnce.has(name) || this.pending.has(name)) {
      this.log.info(`${name}: a restart is already under way`);
      return;
    }
    this.withinBudget(name, () => this.stopToRestart(name));
  }

  /** Handles a reaped child; returns false when it is not one of the services. */
  childExited(exit: ChildExit): boolean {
    const name = [...this.running].find(([, run]) => run.pid === exit.pid)?.[0];
    if (name === undefined) return false;
    const ranMs = Math.round(this.sys.now() - this.running.get(name)!.startedAt);
    this.running.delete(name);
    if (!this.restarting) {
      this.log.info(`${name} (pid ${exit.pid}) stopped: ${describeExit(exit)}`);
      return true;
    }
    this.log.warn(`${name} (pid ${exit.pid}) exited after ${ranMs} ms: ${describeExit(exit)}`);
    this.scheduleRestart(name);
    return true;
  }

  /** From now on nothing is started or restarted (shutdown). */
  stopRestarting(): void {
    this.restarting = false;
    for (const cancel of this.pending.values()) cancel();
    this.pending.clear();
  }

  pidOf(name: string): number | undefined {
    return this.running.get(name)?.pid;
  }

  private stopToRestart(name: string): void {
    const run = this.running.get(name);
    if (!run) return this.start(name);
    this.restartAtOnce.add(name);
    this.log.notice(`restarting ${name} (pid ${run.pid})`);
    this.sys.kill(run.pid, "SIGTERM");
  }

  private scheduleRestart(name: string): void {
    // A deliberate restart took from the budget when it was asked for.
    if (this.restartAtOnce.delete(name)) this.start(name);
    else this.withinBudget(name, () => this.start(name));
  }

  /** Runs `restart` now if the service's budget allows, else once it does. */
  private withinBudget(name: string, restart: () => void): void {
    const delay = this.budget(name).take(this.sys.now());
    if (delay === 0) return restart();
    this.log.notice(`restarting ${name} in ${delay} ms (restart budget used up)`);
    const cancel = this.sys.setTimer(delay, () => {
      this.pending.delete(name);
      this.withinBudget(name, restart);
    });
    this.pending.set(name, cancel);
  }

  private cancelPending(name: string): void {
    this.pending.get(name)?.();
    this.pending.delete(name);
  }

  private budget(name: string): RestartBudget {
    let budget = this.budgets.get(name);
    if (!budget) this.budgets.set(name, (budget = new RestartBudget()));
    return budget;
  }

  private find(name: string): Service {
    const svc = this.table.find((s) => s.name === name);
    if (!svc) throw new Error(`no service ${name}`);
    return svc;
  }
}
