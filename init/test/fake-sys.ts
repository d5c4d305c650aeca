/**
 * A recording Sys for unit tests: an in-memory file tree, processes that exit
 * when the test says so, sockets the test connects to, and a manual clock.
 * Every call that changes the machine is appended to `calls` as one line.
 */
import type { ChildExit, Connection, PowerAction, Signal, SocketHandlers, Sys } from "../sys.js";

export class FakeClient {
  readonly received: number[] = [];
  closedByInit = false;
  constructor(
    private readonly sys: FakeSys,
    readonly conn: Connection,
  ) {}
  /** The client sends bytes to init. */
  write(...bytes: number[]): void {
    if (this.closedByInit) throw new Error("write on a connection init closed");
    this.sys.handlers().data(this.conn, Uint8Array.from(bytes));
  }
  /** shutdown(SHUT_WR): the client still reads. */
  halfClose(): void {
    this.sys.handlers().ended(this.conn);
  }
  /** close(): both directions. */
  close(): void {
    this.peerGone = true;
    this.sys.handlers().ended(this.conn);
  }
  peerGone = false;
}

interface Timer {
  at: number;
  fire: () => void;
}

export class FakeSys implements Sys {
  readonly calls: string[] = [];
  readonly kmsgRecords: string[] = [];
  readonly files = new Map<string, string>();
  readonly dirs = new Set<string>(["/"]);
  readonly live = new Map<number, string[]>();
  readonly clients: FakeClient[] = [];
  /** Make spawn of these paths fail like execve would. */
  readonly missingBinaries = new Set<string>();
  clock = 0;
  private nextPid = 100;
  private exited: ChildExit[] = [];
  private timers: Timer[] = [];
  private signalHandler: ((s: Signal) => void) | null = null;
  private powerButton: (() => void) | null = null;
  private socketHandlers: SocketHandlers | null = null;
  private watches: { path: string; ready: () => void }[] = [];
  powerButtonMissing = false;
  /** The mount of / (statmount): by default a root with a parent, like a chroot. */
  root = { id: 2, parent: 1 };
  /** Make bindRootOverItself fail. */
  rootBindFails = false;

  constructor(files: Record<string, string> = {}) {
    for (const [path, text] of Object.entries(files)) this.files.set(path, text);
  }

  // ---- Sys ----
  kmsg(record: string): void {
    this.kmsgRecords.push(record);
  }
  readFile(path: string): string | null {
    return this.files.get(path) ?? null;
  }
  writeFile(path: string, data: string): void {
    this.calls.push(`write ${path} ${JSON.stringify(data)}`);
    this.files.set(path, data);
  }
  exists(path: string): boolean {
    return this.files.has(path) || this.dirs.has(path) || [...this.files.keys()].some((f) => f.startsWith(`${path}/`));
  }
  listDir(path: string): string[] {
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p.startsWith(`${path}/`)) names.add(p.slice(path.length + 1).split("/")[0]!);
    }
    return [...names].sort();
  }
  mkdir(path: string, mode: number): void {
    if (this.dirs.has(path)) return;
    this.calls.push(`mkdir ${path} ${mode.toString(8)}`);
    this.dirs.add(path);
  }
  unlink(path: string): void {
    this.calls.push(`unlink ${path}`);
    if (!this.files.delete(path)) throw new Error(`unlink ${path}: ENOENT`);
  }
  mkfifo(path: string, mode: number): void {
    if (this.files.has(path)) return;
    this.calls.push(`mkfifo ${path} ${mode.toString(8)}`);
    this.files.set(path, "");
  }
  mount(source: string, target: string, fstype: string, flags: number, data: string): void {
    this.calls.push(`mount ${source || "-"} ${target} ${fstype || "-"} 0x${flags.toString(16)} ${data || "-"}`);
  }
  umount(target: string, flags: number): void {
    this.calls.push(`umount ${target} ${flags}`);
  }
  rootMount(): { id: number; parent: number } {
    return this.root;
  }
  bindRootOverItself(): void {
    this.calls.push("bind / over itself");
    if (this.rootBindFails) throw new Error("move mount /.kios-root: EINVAL");
  }
  sethostname(name: string): void {
    this.calls.push(`sethostname ${name}`);
  }
  setProcessName(name: string): void {
    this.calls.push(`process name ${name}`);
  }
  interfaceUp(name: string): void {
    this.calls.push(`up ${name}`);
  }
  sync(): void {
    this.calls.push("sync");
  }
  reboot(action: PowerAction): void {
    this.calls.push(`reboot ${action}`);
  }
  spawn(argv: string[], env: string[], output: string): number {
    if (this.missingBinaries.has(argv[0]!)) {
      this.calls.push(`spawn failed ${argv[0]}`);
      throw new Error(`spawn ${argv[0]}: ENOENT`);
    }
    const pid = this.nextPid++;
    this.live.set(pid, argv);
    this.calls.push(`spawn ${pid} ${argv.join(" ")} [${env.join(" ")}] > ${output}`);
    return pid;
  }
  kill(pid: number, signal: Signal): void {
    this.calls.push(`kill ${pid} ${signal}`);
  }
  reap(): { exits: ChildExit[]; childless: boolean } {
    const exits = this.exited;
    this.exited = [];
    return { exits, childless: this.live.size === 0 };
  }
  onSignal(handler: (signal: Signal) => void): void {
    this.calls.push("signals handled");
    this.signalHandler = handler;
  }
  onPowerButton(handler: () => void): void {
    if (this.powerButtonMissing) throw new Error("acpi_event: ENOENT");
    this.calls.push("power button handled");
    this.powerButton = handler;
  }
  closeOutputs(): void {
    this.calls.push("close outputs");
  }
  listen(path: string, handlers: SocketHandlers): () => void {
    this.calls.push(`listen ${path}`);
    this.socketHandlers = handlers;
    return () => {
      this.calls.push(`stop listening ${path}`);
      this.socketHandlers = null;
    };
  }
  whenExists(path: string, ready: () => void): void {
    this.calls.push(`watch ${path}`);
    if (this.exists(path)) ready();
    else this.watches.push({ path, ready });
  }
  setTimer(ms: number, fire: () => void): () => void {
    const timer = { at: this.clock + ms, fire };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }
  now(): number {
    return this.clock;
  }
  /** Answers tpmTransmit (a test's TPM); without one the call fails like opening a missing device. */
  tpm: ((command: Uint8Array) => Uint8Array) | null = null;
  tpmTransmit(device: string, command: Uint8Array): Uint8Array {
    this.calls.push(`tpm ${device} ${Buffer.from(command).toString("hex")}`);
    if (!this.tpm) throw new Error(`open ${device}: ENOENT`);
    return this.tpm(command);
  }

  // ---- what the test drives ----
  handlers(): SocketHandlers {
    if (!this.socketHandlers) throw new Error("init does not listen");
    return this.socketHandlers;
  }
  /** A process ends: it becomes reapable and SIGCHLD is delivered. */
  exit(pid: number, code: number | null, signal: number | null = null): void {
    if (!this.live.delete(pid)) throw new Error(`no live pid ${pid}`);
    this.exited.push({ pid, code, signal });
    this.signal("SIGCHLD");
  }
  /** A process ends without SIGCHLD being delivered yet. */
  exitQuietly(pid: number, code: number): void {
    this.live.delete(pid);
    this.exited.push({ pid, code, signal: null });
  }
  signal(signal: Signal): void {
    if (!this.signalHandler) throw new Error(`${signal} while signals are not handled`);
    this.signalHandler(signal);
  }
  pressPowerButton(): void {
    if (!this.powerButton) throw new Error("power button not handled");
    this.powerButton();
  }
  connect(uid = 0): FakeClient {
    let client: FakeClient | null = null;
    const conn: Connection = {
      peerUid: uid,
      send: (bytes) => {
        if (!client || client.peerGone || client.closedByInit) return false;
        client.received.push(...bytes);
        return true;
      },
      gone: () => client!.peerGone,
      close: () => {
        if (client) client.closedByInit = true;
      },
    };
    client = new FakeClient(this, conn);
    this.clients.push(client);
    this.handlers().connected(conn);
    return client;
  }
  /** A file appears (a service created it). */
  create(path: string, text = ""): void {
    this.files.set(path, text);
    const ready = this.watches.filter((w) => w.path === path);
    this.watches = this.watches.filter((w) => w.path !== path);
    for (const w of ready) w.ready();
  }
  /** Moves the clock, firing due timers in order. */
  async advance(ms: number): Promise<void> {
    const end = this.clock + ms;
    for (;;) {
      await flush();
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.clock = due.at;
      due.fire();
    }
    this.clock = end;
    await flush();
  }
  pidOf(binary: string): number {
    const found = [...this.live].find(([, argv]) => argv[0] === binary);
    if (!found) throw new Error(`${binary} is not running`);
    return found[0];
  }
  get log(): string[] {
    return this.kmsgRecords;
  }
  pendingTimers(): number {
    return this.timers.length;
  }
}

/** Lets promise callbacks run (the init's async shutdown). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
