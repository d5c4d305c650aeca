/**
 * Secure Boot enforced by the firmware: OVMF's secboot build with our test
 * PK, KEK and db enrolled boots the signed UKI and refuses the unsigned one
 * and a signed one with one byte changed.
 */
import { dag, File } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BootRun } from "../../.dagger/src/stages/boot.js";
import { bootUki } from "../../.dagger/src/stages/boot.js";
import { buildKernel } from "../../.dagger/src/stages/kernel.js";
import { debianKernelSource } from "../../.dagger/src/stages/kernel-source.js";
import { enrolledVars } from "../../.dagger/src/stages/secureboot.js";
import { signEfi } from "../../.dagger/src/stages/sign.js";
import { nodeUki } from "../../.dagger/src/node.js";
import { withKios } from "../support/kios.js";
import { daggerSigning, makeTestKeys, TestKeys } from "../support/secure-boot-keys.js";

let keys: TestKeys;
const runs: Record<"signed" | "unsigned" | "tampered", BootRun> = {} as never;
const firmwareRefusal = "Access Denied";

beforeAll(async () => {
  keys = makeTestKeys();
  await withKios(async (kios) => {
    const ctx = await kios["context"]();
    const kernel = await buildKernel(ctx, debianKernelSource(ctx));
    const unsigned = nodeUki(ctx, kernel, [await kios.initramfs()]);
    const { key, cert } = daggerSigning(keys);
    const signed = signEfi(ctx, unsigned, key, cert);
    // One byte inverted in the middle of the file (inside the .linux section).
    const tampered: File = ctx
      .toolchain(["python3"])
      .withFile("/uki.efi", signed)
      .withExec(["python3", "-c", "import os;f=open('/uki.efi','r+b');n=os.path.getsize('/uki.efi')//2;f.seek(n);b=f.read(1);f.seek(n);f.write(bytes([b[0]^0xff]))"])
      .file("/uki.efi");
    const certs = dag
      .directory()
      .withFile("PK.crt", dag.host().file(keys.certs.pk))
      .withFile("KEK.crt", dag.host().file(keys.certs.kek))
      .withFile("db.crt", dag.host().file(keys.certs.db));
    const vars = enrolledVars(ctx, certs);
    const nonce = String(Date.now());
    const boot = (uki: File) =>
      bootUki(ctx, { uki, secureBootVars: vars, stopAt: `${firmwareRefusal}|kiOS: init starting`, timeoutSeconds: 300, nonce });
    runs.signed = await boot(signed);
    runs.unsigned = await boot(unsigned);
    runs.tampered = await boot(tampered);
  });
}, 2 * 60 * 60_000);

afterAll(() => keys?.remove());

describe("Secure Boot", () => {
  it("boots the signed UKI with Secure Boot on, up to the init", () => {
    expect(runs.signed.console).toMatch(/secureboot: Secure boot enabled/);
    expect(runs.signed.console).toMatch(/Linux version \d/);
    expect(runs.signed.console).toMatch(/kiOS: init starting/);
    expect(runs.signed.console).not.toContain(firmwareRefusal);
  });

  it("refuses the unsigned UKI", () => {
    expect(runs.unsigned.console).toContain(firmwareRefusal);
    expect(runs.unsigned.console).not.toMatch(/Linux version/);
  });

  it("refuses a signed UKI with one byte changed", () => {
    expect(runs.tampered.console).toContain(firmwareRefusal);
    expect(runs.tampered.console).not.toMatch(/Linux version/);
  });
});
