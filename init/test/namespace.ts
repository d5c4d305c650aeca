/**
 * Runs the real init executable as PID 1 of fresh PID, mount, network, UTS and
 * IPC namespaces (unshare), chrooted into a small test root whose containerd
 * and kubelet are test/fake-service.c. Nothing in the init knows it is being
 * tested: it mounts, spawns, reaps and calls reboot() for real; reboot() in a
 * PID namespace ends the namespace (its init dies by SIGINT for power-off,
 * SIGHUP for restart), not the machine. The other namespaces keep hostname,
 * loopback and forwarding changes away from the host.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, readFile, readlink, readdir, rm, writeFile } from "node:fs/promises";
import { createConnection, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Record {
  /** CLOCK_MONOTONIC seconds. */
  at: number;
  text: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export class Pid1 {
  private exitResult: Exit | null = null;
  readonly exited: Promise<Exit>;
  private stderr = "";

  private constructor(
    readonly root: string,
    private readonly unshare: ChildProcess,
  ) {
    unshare.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) =>
      unshare.on("exit", (code, signal) => {
        this.exitResult = { code, signal };
        resolve(this.exitResult);
      }),
    );
  }

  /**
   * Lays out a test root and boots the init in it. `files` are written under
   * the root first (e.g. "etc/fake/containerd.ignore-term").
   */
  static async boot(exe: string, fakeService: string, files: { [path: string]: string } = {}): Promise<Pid1> {
    const root = await mkdtemp(join(tmpdir(), "kios-pid1-"));
    await chmod(root, 0o755); // a root others can enter, as a node's is
    for (const dir of ["bin", "etc/containerd", "etc/kubernetes", "etc/fake", "rec"]) await mkdir(join(root, dir), { recursive: true });
    await copyFile(exe, join(root, "init"));
    await copyFile(fakeService, join(root, "bin/containerd"));
    await copyFile(fakeService, join(root, "bin/kubelet"));
    const defaults = {
      "etc/hostname": "ns-node\n",
      "etc/containerd/config.toml": "version = 3\n",
      "etc/kubernetes/config.yaml": "kind: KubeletConfiguration\n",
    };
    for (const [path, text] of Object.entries({ ...defaults, ...files })) await writeFile(join(root, path), text);
    for (const exe of ["init", "bin/containerd", "bin/kubelet"]) await chmod(join(root, exe), 0o755);
    const unshare = spawn(
      "unshare",
      ["--pid", "--mount", "--net", "--uts", "--ipc", "--fork", "--kill-child", "--",
        "sh", "-c", 'mount --bind "$0" "$0" && exec chroot "$0" /init', root],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const pid1 = new Pid1(root, unshare);
    await waitFor("the kubelet to start", async () => (await pid1.records("kubelet")).some((r) => r.text.startsWith("connected")) || pid1.failed());
    if (pid1.exitResult) throw new Error(`init ended during boot: ${JSON.stringify(pid1.exitResult)} ${pid1.stderr}`);
    return pid1;
  }

  private failed(): boolean {
    return this.exitResult !== null;
  }

  /** The init's pid as the host sees it (the child of unshare). */
  async hostPid(): Promise<number> {
    const pid = this.unshare.pid!;
    const children = (await readFile(`/proc/${pid}/task/${pid}/children`, "utf8")).trim();
    if (children === "") throw new Error("init is not running");
    return Number(children.split(" ")[0]);
  }

  /** Host pids of every process in the namespace, with their state letter and name. */
  async processes(): Promise<{ pid: number; state: string; name: string }[]> {
    const ns = await readlink(`/proc/${await this.hostPid()}/ns/pid`);
    const found = [];
    for (const entry of await readdir("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if ((await readlink(`/proc/${entry}/ns/pid`)) !== ns) continue;
        const stat = await readFile(`/proc/${entry}/stat`, "utf8");
        const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
        const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]!;
        found.push({ pid: Number(entry), state, name });
      } catch {
        // gone meanwhile
      }
    }
    return found;
  }

  async pidOf(name: string): Promise<number> {
    const proc = (await this.processes()).find((p) => p.name === name && p.state !== "Z");
    if (!proc) throw new Error(`no ${name} process`);
    return proc.pid;
  }

  async records(service: string): Promise<Record[]> {
    let text = "";
    try {
      text = await readFile(join(this.root, "rec", `${service}.log`), "utf8");
    } catch {
      return [];
    }
    return text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => ({ at: Number(line.slice(0, line.indexOf(" "))), text: line.slice(line.indexOf(" ") + 1) }));
  }

  async starts(service: string): Promise<string[]> {
    return (await this.records(service)).filter((r) => r.text.startsWith("start ")).map((r) => r.text.replace(/^start pid=\d+ argv=/, ""));
  }

  /** A client of the init's system socket, reached through /proc/<pid>/root. */
  async connect(): Promise<SocketClient> {
    const path = `/proc/${await this.hostPid()}/root/run/system.sock`;
    return SocketClient.open(path);
  }

  async write(path: string, text: string): Promise<void> {
    await writeFile(join(this.root, path), text);
  }

  /** Stops whatever is left and removes the test root. */
  async dispose(): Promise<void> {
    if (!this.exitResult) {
      this.unshare.kill("SIGKILL"); // --kill-child takes the init with it
      await this.exited;
    }
    await rm(this.root, { recursive: true, force: true });
  }
}

export class SocketClient {
  readonly received: number[] = [];
  private constructor(readonly socket: Socket) {
    socket.on("data", (data) => this.received.push(...data));
    socket.on("error", () => undefined); // the init may close us: that is allowed
  }
  static open(path: string): Promise<SocketClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ path }, () => resolve(new SocketClient(socket)));
      socket.once("error", reject);
    });
  }
  send(...bytes: number[]): void {
    this.socket.write(Uint8Array.from(bytes));
  }
}
