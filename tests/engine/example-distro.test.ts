/**
 * examples/acme-node, a downstream distro: a module that depends on kios by
 * local path (dagger.json) and adds a kernel fragment, a static pod, a
 * binary and its own os-release through kiOS's with* functions. Called as
 * its users would: `dagger -m examples/acme-node call ...`. Its release is
 * built, signed and smoke-booted under Secure Boot like kiOS's own.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BootReport } from "../../.dagger/src/boot/report.js";
import { parseBuildConfig } from "../../.dagger/src/config/index.js";
import { CliRun, dagger, listedFunctions, offlineArgs } from "../../offline-engine/dagger-call.js";
import { repoRoot } from "../../offline-engine/engine-env.js";
import { makeTestKeys, TestKeys } from "../support/secure-boot-keys.js";

const example = "examples/acme-node";
let keys: TestKeys;
let out: string;
let report: BootReport;

/** `dagger -m examples/acme-node call <offline args> ...`; a failed call throws with the end of the CLI's log. */
async function callExample(...args: string[]): Promise<CliRun> {
  const run = await dagger(["-m", example, "call", ...offlineArgs(), ...args]);
  if (run.status !== 0) throw new Error(`dagger -m ${example} call ${args.join(" ")} exited ${run.status}:\n${run.stderr.slice(-4000)}`);
  return run;
}

beforeAll(async () => {
  keys = makeTestKeys();
  out = fs.mkdtempSync(path.join(os.tmpdir(), "kios-acme-"));
  await callExample("build", `--key=file:${keys.dbKeyPath}`, `--cert=${keys.certs.db}`, "export", `--path=${out}`);
  report = JSON.parse(fs.readFileSync(path.join(out, "boot-report.json"), "utf8"));
}, 3 * 60 * 60_000);

afterAll(() => {
  keys?.remove();
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

describe("a downstream distro on kiOS (examples/acme-node)", () => {
  it("lists its functions with `dagger functions`", async () => {
    const run = await dagger(["-m", example, "functions"]);
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    expect(listedFunctions(run.stdout)).toEqual(["agent", "build", "config", "kernel", "rootfs"]);
  });

  it("reaches kiOS through its generated binding, dag.kios() (`call config`)", async () => {
    const run = await callExample("config");
    const expected = parseBuildConfig(fs.readFileSync(path.join(repoRoot, "build.toml"), "utf8"));
    expect(JSON.parse(run.stdout)).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it("builds its kernel with its fragment: WireGuard as a signed module", () => {
    const modules = fs.readdirSync(path.join(out, "modules"), { recursive: true }).map(String);
    expect(modules.some((f) => /\/wireguard\.ko(\.\w+)?$/.test(f))).toBe(true);
  });

  it("signs its UKI and smoke-boots it under Secure Boot under its own name", () => {
    expect(fs.readFileSync(path.join(out, "kios.efi")).includes(Buffer.from('NAME="Acme Node OS"'))).toBe(true);
    expect(report.osRelease).toEqual({ NAME: "Acme Node OS", ID: "acme", ID_LIKE: "kios" });
  });

  it("has its binary in the node's /bin beside kiOS's, and runs its static pod, which runs that binary", () => {
    expect(report.bin).toEqual(["acme-agent", "containerd", "containerd-shim-runc-v2", "kubelet", "mount", "runc", "umount"]);
    // Running, never restarted: its container's command, acme-agent, is alive.
    for (const pod of ["acme-heartbeat", "kios-dhcp", "kios-ntp"]) expect(report.podsRunning[`${pod}-kios-smoke`], pod).toBe(0);
    // Everything else of kiOS's smoke boot holds for the distro too.
    expect(report.shells).toEqual([]);
    expect(report.modules).toEqual(["ip_vs_rr loaded"]);
  });
});
