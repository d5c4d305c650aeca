/**
 * Measured boot through the module's public functions: the UKI made with a
 * throw-away RSA PCR key (uki --pcr-key) carries a PCR 11 signature that
 * verifies against its .pcrpkey; booted with a software TPM (bootNode
 * --software-tpm), the node's init logs PCR 11 after each boot phase, and
 * each value is the one ukify predicted for that phase path (pcrPrediction).
 * A UKI with another kernel command line (withBuildToml) gives another
 * value, again the predicted one. Another kind of key is refused.
 */
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dag, type File, type Secret } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kios } from "../../.dagger/src/index.js";
import { loggedPcr11, type Pcr11Prediction } from "../../.dagger/src/boot/pcr11.js";
import { repoRoot } from "../../offline-engine/engine-env.js";
import { withKios } from "../support/kios.js";

interface Measured {
  prediction: Pcr11Prediction;
  /** ukify inspect's JSON of the UKI (sections with their text). */
  sections: Record<string, { text?: string }>;
  console: string;
  ended: string;
}

const READY = "kiOS: PCR 11 after ready";
const PATHS = ["enter-initrd", "enter-initrd:leave-initrd", "enter-initrd:leave-initrd:sysinit", "enter-initrd:leave-initrd:sysinit:ready"];

let dir: string;
let publicKeyPem: string;
let plain: Measured;
let changed: Measured;
let ecdsaError = "";

/** build.toml with the kernel command line given one more (harmless) option. */
function changedCmdline(): string {
  const text = fs.readFileSync(path.join(repoRoot, "build.toml"), "utf8");
  const out = text.replace(/^(cmdline = ".*)"$/m, '$1 kios.measured=test"');
  if (out === text) throw new Error("build.toml: no kernel cmdline line found");
  return out;
}

/** The UKI with `key`, its prediction and sections, and a boot with a software TPM stopped once "ready" is measured. */
async function measure(kios: Kios, key: Secret): Promise<Measured> {
  const uki: File = await kios.uki(undefined, key);
  const prediction = JSON.parse(await (await kios.pcrPrediction(key)).contents()) as Pcr11Prediction;
  const inspected = (await kios.toolchain(["systemd-ukify", "python3-pefile"]))
    .withFile("/uki.efi", uki)
    .withExec(["sh", "-c", "ukify inspect /uki.efi --json=short"])
    .stdout();
  const boot = await kios.bootNode(uki, undefined, undefined, undefined, true, undefined, undefined, 600, "", `${READY}|no TPM|into PCR 11:`, true);
  return { prediction, sections: JSON.parse(await inspected), console: boot.console, ended: boot.ended };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kios-pcr-key-"));
  const keyPath = path.join(dir, "pcr.key");
  execFileSync("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", keyPath], { stdio: "ignore" });
  publicKeyPem = execFileSync("openssl", ["pkey", "-in", keyPath, "-pubout"], { encoding: "utf8" });
  const ecPath = path.join(dir, "ec.key");
  execFileSync("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", ecPath], { stdio: "ignore" });
  await withKios(async (kios) => {
    const key = dag.secret(`file://${keyPath}`);
    const other = kios.withBuildToml(dag.directory().withNewFile("build.toml", changedCmdline()).file("build.toml"));
    // The two boots run side by side: each takes one of the two cores (TCG).
    [plain, changed] = await Promise.all([measure(kios, key), measure(other, key)]);
    try {
      // The File is lazy: reading its size runs the UKI step.
      ecdsaError = `no error (${await (await kios.uki(undefined, dag.secret(`file://${ecPath}`))).size()} bytes)`;
    } catch (error) {
      // A failed step's error carries its stderr apart from the message.
      ecdsaError = `${error instanceof Error ? error.message : String(error)}\n${(error as { stderr?: string }).stderr ?? ""}`;
    }
  });
}, 60 * 60_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The kernel's timestamp (s) of the first console line matching `pattern`. */
function stamp(console: string, pattern: RegExp): number | undefined {
  const line = console.split("\n").find((l) => pattern.test(l));
  const m = line && /^\[\s*(\d+\.\d+)\]/.exec(line);
  return m ? Number(m[1]) : undefined;
}

describe("measured boot (PCR 11)", () => {
  it("predicts a value for each of the four boot phase paths, in systemd's format", () => {
    expect(plain.prediction.pcr).toBe(11);
    expect(plain.prediction.bank).toBe("sha256");
    expect(Object.keys(plain.prediction.phases)).toEqual(PATHS);
    for (const value of Object.values(plain.prediction.phases)) expect(value).toMatch(/^[0-9a-f]{64}$/);
  });

  it("embeds the public key and a signature per phase path that verifies against it", () => {
    expect(plain.sections[".pcrpkey"]?.text?.trim()).toBe(publicKeyPem.trim());
    const pcrsig = JSON.parse(plain.sections[".pcrsig"]!.text!) as { sha256: { pcrs: number[]; pol: string; sig: string }[] };
    expect(pcrsig.sha256).toHaveLength(PATHS.length);
    for (const entry of pcrsig.sha256) {
      expect(entry.pcrs).toEqual([11]);
      const policy = Buffer.from(entry.pol, "hex");
      const signature = Buffer.from(entry.sig, "base64");
      expect(crypto.verify("sha256", policy, publicKeyPem, signature)).toBe(true);
      // The same check fails for a policy with one bit changed.
      policy[0]! ^= 1;
      expect(crypto.verify("sha256", policy, publicKeyPem, signature)).toBe(false);
    }
  });

  it("reads, on the node, the predicted value after each boot phase", () => {
    expect(plain.ended).toBe("stop-at matched");
    expect(plain.console).toContain(READY);
    expect(loggedPcr11(plain.console)).toEqual(plain.prediction.phases);
    const kubelet = stamp(plain.console, /kiOS: started kubelet/);
    const ready = stamp(plain.console, /kiOS: PCR 11 after ready/);
    console.log(`measured boot: kernel to kubelet ${kubelet} s, to the ready measurement ${ready} s (TCG, software TPM)`);
  });

  it("gives another, again predicted, value for a UKI with another kernel command line", () => {
    expect(changed.sections[".cmdline"]?.text).toContain("kios.measured=test");
    expect(changed.ended).toBe("stop-at matched");
    expect(loggedPcr11(changed.console)).toEqual(changed.prediction.phases);
    for (const p of PATHS) expect(changed.prediction.phases[p]).not.toBe(plain.prediction.phases[p]);
  });

  it("refuses a PCR key that is not RSA, naming the argument", () => {
    expect(ecdsaError).toMatch(/pcrKey: not an RSA key/);
  });
});
