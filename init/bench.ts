/**
 * The init's figures, measured on the built executable:
 * - init.exe_bytes: its size;
 * - init.rss_kb: PID 1's resident memory (VmRSS) in steady state: booted in a
 *   PID namespace, both services restarted once, then left idle for a second;
 * - init.exec_to_runtime_ms: under QEMU TCG, from the exec of /init to the
 *   exec of containerd (the init's "started containerd" record: posix_spawn
 *   returns once the child has exec'd), from kernel timestamps; the median of
 *   three boots with `quiet` so that console printing is not counted.
 */
import { stat, readFile } from "node:fs/promises";
import { bootstrapEngine } from "../offline-engine/engine-env.js";
import { initExecutable, initTestAssets, initTestKernel } from "../tests/support/init-exe.js";
import { Pid1, waitFor } from "./test/namespace.js";
import { Vm } from "./test/qemu.js";

export interface InitFigures {
  "init.exe_bytes": number;
  "init.rss_kb": number;
  "init.exec_to_runtime_ms": number;
}

async function steadyRssKb(exe: string, fakeService: string): Promise<number> {
  const pid1 = await Pid1.boot(exe, fakeService);
  try {
    const client = await pid1.connect();
    client.send(0x03, 0x04);
    await waitFor("both services to restart", async () =>
      (await pid1.starts("kubelet")).length === 2 && (await pid1.starts("containerd")).length === 2,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    const status = await readFile(`/proc/${await pid1.hostPid()}/status`, "utf8");
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    if (!rss) throw new Error(`no VmRSS in /proc/<init>/status:\n${status}`);
    return Number(rss[1]);
  } finally {
    await pid1.dispose();
  }
}

/** One quiet boot: the stand-in kubelet copies the kernel log's records ("kmsg <usec> <text>") to the console. */
async function execToRuntimeMs(): Promise<number> {
  const vm = await Vm.boot(await initTestKernel(), await initTestAssets(), "quiet");
  try {
    await vm.waitForLine("kmsg", 90_000);
    await vm.waitForLine("kiOS: booted", 10_000);
    const records = (await vm.console())
      .split("\n")
      // The first record may follow the firmware's terminal reset ("\x1b[2J") on the same line.
      .map((line) => /kmsg (\d+) (.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ usec: Number(m[1]), text: m[2]! }));
    const find = (text: string) => {
      const record = records.find((r) => r.text.includes(text));
      if (!record) throw new Error(`no "${text}" record on the console`);
      return record.usec;
    };
    return (find("kiOS: started containerd") - find("Run /init as init process")) / 1000;
  } finally {
    await vm.dispose();
  }
}

export async function initFigures(): Promise<InitFigures> {
  const exe = await initExecutable();
  const { fakeService } = await initTestAssets();
  const times = [];
  for (let i = 0; i < 3; i++) times.push(await execToRuntimeMs());
  times.sort((a, b) => a - b);
  return {
    "init.exe_bytes": (await stat(exe)).size,
    "init.rss_kb": await steadyRssKb(exe, fakeService),
    "init.exec_to_runtime_ms": Math.round(times[1]!),
  };
}

// npx tsx init/bench.ts: brings the engine up (as the tests' global setup does), then prints the figures.
if (import.meta.url === `file://${process.argv[1]}`) {
  Object.assign(process.env, await bootstrapEngine());
  console.log(JSON.stringify(await initFigures(), null, 2));
}
