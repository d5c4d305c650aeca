/**
 * Secure Boot enforced by the firmware, through the module's public
 * functions: OVMF's secboot build with the test db certificate enrolled
 * (bootNode) boots the signed UKI and refuses the unsigned one and a signed
 * one with one byte changed.
 */
import type { File } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withKios } from "../support/kios.js";
import { daggerSigning, makeTestKeys, TestKeys } from "../support/secure-boot-keys.js";

let keys: TestKeys;
const consoles: Record<"signed" | "unsigned" | "tampered", string> = {} as never;
const firmwareRefusal = "Access Denied";

beforeAll(async () => {
  keys = makeTestKeys();
  await withKios(async (kios) => {
    const unsigned = await kios.uki();
    const { key, cert } = daggerSigning(keys);
    const signed = await kios.sign(unsigned, key, cert);
    // One byte inverted in the middle of the file (inside the .linux section).
    const tampered: File = (await kios.toolchain(["python3"]))
      .withFile("/uki.efi", signed)
      .withExec(["python3", "-c", "import os;f=open('/uki.efi','r+b');n=os.path.getsize('/uki.efi')//2;f.seek(n);b=f.read(1);f.seek(n);f.write(bytes([b[0]^0xff]))"])
      .file("/uki.efi");
    const nonce = String(Date.now());
    // Under Secure Boot with the test db certificate enrolled, stopped at the firmware's refusal or the init's first line.
    const boot = async (uki: File) =>
      (await kios.bootNode(uki, cert, undefined, undefined, true, undefined, undefined, 300, nonce, `${firmwareRefusal}|kiOS: init starting`)).console;
    consoles.signed = await boot(signed);
    consoles.unsigned = await boot(unsigned);
    consoles.tampered = await boot(tampered);
  });
}, 2 * 60 * 60_000);

afterAll(() => keys?.remove());

describe("Secure Boot", () => {
  it("boots the signed UKI with Secure Boot on, up to the init", () => {
    expect(consoles.signed).toMatch(/secureboot: Secure boot enabled/);
    expect(consoles.signed).toMatch(/Linux version \d/);
    expect(consoles.signed).toMatch(/kiOS: init starting/);
    expect(consoles.signed).not.toContain(firmwareRefusal);
  });

  it("refuses the unsigned UKI", () => {
    expect(consoles.unsigned).toContain(firmwareRefusal);
    expect(consoles.unsigned).not.toMatch(/Linux version/);
  });

  it("refuses a signed UKI with one byte changed", () => {
    expect(consoles.tampered).toContain(firmwareRefusal);
    expect(consoles.tampered).not.toMatch(/Linux version/);
  });
});
