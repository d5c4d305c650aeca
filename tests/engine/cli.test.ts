/**
 * The module through the dagger CLI, in module mode: the engine loads
 * .dagger with this engine's TypeScript SDK (offline-engine/engine/_overlay), serialises
 * the Kios object between calls and takes File, Directory and Secret
 * arguments from the command line, as it does for a user. (The whole
 * `dagger call build` runs in tests/engine/build.test.ts.)
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBuildConfig } from "../../.dagger/src/config/index.js";
import { CliRun, dagger, listedFunctions, offlineArgs } from "../../offline-engine/dagger-call.js";
import { repoRoot } from "../../offline-engine/engine-env.js";
import { cliName, scanModule } from "../../offline-engine/module-schema.js";
import { makeTestKeys, TestKeys } from "../support/secure-boot-keys.js";

let keys: TestKeys;
let tmp: string;

beforeAll(() => {
  keys = makeTestKeys();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kios-cli-"));
});
afterAll(() => {
  keys?.remove();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** A call that must succeed; on failure, the end of the CLI's log is the message. */
async function call(...args: string[]): Promise<CliRun> {
  const run = await dagger(["call", ...offlineArgs(), ...args]);
  if (run.status !== 0) throw new Error(`dagger call ${args.join(" ")} exited ${run.status}:\n${run.stderr.slice(-3000)}`);
  return run;
}

describe("dagger CLI (module mode)", () => {
  it("lists with `dagger functions` exactly the functions the SDK's introspector finds", async () => {
    const run = await dagger(["functions"]);
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    const declared = Object.keys((await scanModule()).objects.Kios.methods).map(cliName).sort();
    expect(listedFunctions(run.stdout)).toEqual(declared);
  });

  it("prints build.toml as the module validated it with `dagger call config`", async () => {
    const run = await call("config");
    const expected = parseBuildConfig(fs.readFileSync(path.join(repoRoot, "build.toml"), "utf8"));
    expect(JSON.parse(run.stdout)).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it("exports a stage's Directory with `dagger call mount-helper export`", async () => {
    const dir = path.join(tmp, "mount-helper");
    await call("mount-helper", "export", `--path=${dir}`);
    const mount = fs.readFileSync(path.join(dir, "bin/mount"));
    expect(mount.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    expect(fs.statSync(path.join(dir, "bin/mount")).mode & 0o111).not.toBe(0);
  }, 20 * 60_000);

  it("carries with* additions from call to call (`dagger call with-static-pod ... with-os-release ... rootfs`)", async () => {
    const pod = path.join(tmp, "hello.yaml");
    fs.writeFileSync(pod, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: hello\nspec:\n  containers:\n    - name: hello\n      image: registry.example/hello:1.0\n");
    const run = await call(
      "with-static-pod", `--manifest=${pod}`,
      "with-os-release", "--name=Acme Node OS", "--id=acme", "--version-id=1.2.3",
      "rootfs", "directory", "--path=etc", "export", `--path=${path.join(tmp, "etc")}`,
    );
    expect(run.status).toBe(0);
    expect(fs.readFileSync(path.join(tmp, "etc/os-release"), "utf8")).toContain('NAME="Acme Node OS"\nID=acme\nID_LIKE=kios\nVERSION_ID=1.2.3\n');
    expect(fs.readFileSync(path.join(tmp, "etc/kubernetes/manifests/hello.yaml"), "utf8")).toMatch(/name: hello\n\s+namespace: /);
  }, 20 * 60_000);

  it("signs a File with a Secret given as file: and a cert given as a path (`dagger call sign`)", async () => {
    // Any PE binary will do: systemd-boot's EFI stub, from a toolchain container chained on the command line.
    const uki = path.join(tmp, "stub.efi");
    await call("toolchain", "--packages=systemd-boot-efi", "file", "--path=/usr/lib/systemd/boot/efi/linuxx64.efi.stub", "export", `--path=${uki}`);
    const signed = path.join(tmp, "kios.efi");
    const run = await call("sign", `--efi=${uki}`, `--key=file:${keys.dbKeyPath}`, `--cert=${keys.certs.db}`, "export", `--path=${signed}`);
    const der = execFileSync("openssl", ["x509", "-in", keys.certs.db, "-outform", "DER"]);
    const bytes = fs.readFileSync(signed);
    // The Authenticode signature sbsign appends carries our db certificate.
    expect(bytes.includes(der)).toBe(true);
    expect(fs.readFileSync(uki).includes(der)).toBe(false);
    const keyBody = keys.dbKeyPem.split("\n").filter((l) => l && !l.startsWith("-----"));
    expect(keyBody.some((l) => run.stdout.includes(l) || run.stderr.includes(l))).toBe(false);
  }, 30 * 60_000);

  it("refuses a File argument that does not exist, naming the argument and the path", async () => {
    const run = await dagger(["call", "--offline", "--base-archive=/nonexistent/base.tar", "config"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Error: failed to get value for argument "base-archive": .*\/nonexistent.*: no such file or directory/);
  });

  it("refuses a Secret URI with an unknown provider, naming it", async () => {
    const run = await dagger(["call", ...offlineArgs(), "sign", `--efi=${keys.certs.db}`, "--key=vault-of-nowhere://db", `--cert=${keys.certs.db}`]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/unsupported secret provider: "vault-of-nowhere"/);
  });
});
