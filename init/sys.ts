/**
 * The init's only window on the kernel. The logic in this folder talks to the
 * machine through this interface alone: in production it is the native QuickJS
 * module (native/sys.ts over native/kios.c), in unit tests a recording fake.
 *
 * Rules every implementation keeps:
 * - calls are synchronous and throw an Error whose message names the call,
 *   its target and the errno (e.g. "mount /proc: EPERM");
 * - events (signals, socket traffic, a path appearing, timers) arrive through
 *   callbacks from one event loop: no callback ever runs inside another.
 */

export type Signal = "SIGCHLD" | "SIGTERM" | "SIGINT" | "SIGPWR" | "SIGKILL";

/** Power state to end in once everything is stopped. */
export type PowerAction = "poweroff" | "restart";

/** One reaped child: exactly one of code (normal exit) and signal is set. */
export interface ChildExit {
  pid: number;
  code: number | null;
  signal: number | null;
}

/** A client of a listening Unix socket. */
export interface Connection {
  /** The uid of the connecting process (SO_PEERCRED); -1 when unknown. */
  readonly peerUid: number;
  /** Sends bytes without blocking; false when the peer is gone (then close it). */
  send(bytes: Uint8Array): boolean;
  /** True when the peer has closed both directions. */
  gone(): boolean;
  /** Closes the connection and forgets its handlers. Safe to call twice. */
  close(): void;
}

export interface SocketHandlers {
  connected(conn: Connection): void;
  data(conn: Connection, bytes: Uint8Array): void;
  /** The peer stopped sending (it may still read, see Connection.gone). */
  ended(conn: Connection): void;
}

export interface Sys {
  /** Writes one record to the kernel log ("<6>kiOS: ..."). Never throws. */
  kmsg(record: string): void;

  /** The file's text, or null when it does not exist. */
  readFile(path: string): string | null;
  writeFile(path: string, data: string): void;
  exists(path: string): boolean;
  /** The names in a directory (without . and ..). */
  listDir(path: string): string[];
  /** Creates one directory; an existing directory is not an error. */
  mkdir(path: string, mode: number): void;
  unlink(path: string): void;
  /** Creates a named pipe; an existing one is not an error. */
  mkfifo(path: string, mode: number): void;

  mount(source: string, target: string, fstype: string, flags: number, data: string): void;
  umount(target: string, flags: number): void;
  /** The unique ids of the mount of / and of its parent mount (statmount(2)). */
  rootMount(): { id: number; parent: number };
  /**
   * Gives / a parent mount: binds / on a directory, moves that bind over /
   * and chroots into it (no file copied). A failure throws with nothing changed.
   */
  bindRootOverItself(): void;
  sethostname(name: string): void;
  /** Renames the calling process (comm and command line). */
  setProcessName(name: string): void;
  /** Sets IFF_UP on a network interface (SIOCGIFFLAGS / SIOCSIFFLAGS). */
  interfaceUp(name: string): void;
  sync(): void;
  /** Powers off or restarts the machine (in a PID namespace: ends it). */
  reboot(action: PowerAction): void;

  /**
   * Starts argv[0] (an absolute path) with exactly `env`, in a new session,
   * stdin on /dev/null and stdout/stderr on a pipe that PID 1 copies to
   * `output` (a file or named pipe). The copy never blocks: what `output`
   * cannot take (a log pipe nobody reads) is dropped, so a service can never
   * stall on its own log. Returns the pid.
   */
  spawn(argv: string[], env: string[], output: string): number;
  /** Closes what spawn's outputs were copied to (shutdown, before unmounting). */
  closeOutputs(): void;
  /** pid -1 signals every process but the caller. */
  kill(pid: number, signal: Signal): void;
  /** Reaps every exited child; `childless` is true when no child is left. */
  reap(): { exits: ChildExit[]; childless: boolean };

  /**
   * Delivers SIGCHLD, SIGTERM, SIGINT and SIGPWR as events (and makes
   * Ctrl-Alt-Del send SIGINT rather than reset the machine).
   */
  onSignal(handler: (signal: Signal) => void): void;
  /** Calls handler on each press of the ACPI power button. Throws when the kernel has no ACPI events. */
  onPowerButton(handler: () => void): void;
  /** Listens on a Unix stream socket (a stale socket file is replaced); returns a function that stops listening. */
  listen(path: string, handlers: SocketHandlers): () => void;
  /** Calls ready once `path` exists (now, or when created in its directory). No polling. */
  whenExists(path: string, ready: () => void): void;
  /** Calls fire after ms; returns a function that cancels it. */
  setTimer(ms: number, fire: () => void): () => void;
  /** Monotonic milliseconds. */
  now(): number;
  /**
   * Sends one command to a TPM character device (e.g. /dev/tpmrm0) and
   * returns its response: open, one write, one read, close.
   */
  tpmTransmit(device: string, command: Uint8Array): Uint8Array;
}

/** mount(2) flags, from <linux/mount.h>. */
export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  REMOUNT: 0x20,
  BIND: 0x1000,
  REC: 0x4000,
  PRIVATE: 0x40000,
  SHARED: 0x100000,
} as const;

/** umount2(2) flags. */
export const MNT_DETACH = 0x2;
