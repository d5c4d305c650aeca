/**
 * Signing with a key that never leaves its token: a SoftHSM token made in a
 * container (key pair generated on the token, sensitive), then `sign` with
 * pkcs11Uri, pkcs11Pin and pkcs11Tokens on systemd-boot's small EFI stub
 * (not a whole UKI). The signature is checked here again with sbverify.
 */
import { PassThrough } from "node:stream";
import { dag, type File, ReturnType } from "@dagger.io/dagger";
import { beforeAll, describe, expect, it } from "vitest";
import { withKios } from "../support/kios.js";
import { KEY_URI, makeSoftHsmToken, SOFTHSM_MODULE, TEST_PIN, tokenTools } from "../support/softhsm-token.js";

const STUB = "/usr/lib/systemd/boot/efi/linuxx64.efi.stub";
const WRONG_PIN = "not-the-pin-3141";

interface Run {
  exit: number;
  out: string;
}
let checks: Record<"verify" | "verifyOther" | "privkeys" | "pemInOutput", Run>;
let unsignedSize = 0;
let signedSize = 0;
let wrongPinError = "";
let pinValueError = "";
let log = "";

beforeAll(async () => {
  const logOutput = new PassThrough();
  logOutput.on("data", (chunk: Buffer) => (log += chunk.toString()));
  await withKios(async (kios) => {
    const token = await makeSoftHsmToken(kios);
    const stub: File = (await kios.toolchain(["systemd-boot-efi"])).file(STUB);
    const signed = await kios.sign(stub, null, token.cert, KEY_URI, token.pin, token.tokens);
    unsignedSize = await stub.size();
    signedSize = await signed.size();

    // Checks in a container of their own, on the token `sign` was given.
    const tools = (await tokenTools(kios, token.tokens))
      .withWorkdir("/check")
      .withFile("signed.efi", signed)
      .withFile("db.crt", token.cert)
      .withFile("other.crt", token.otherCert)
      .withMountedSecret("/run/secrets/pin", token.pin);
    const run = async (script: string): Promise<Run> => {
      const c = tools.withExec(["sh", "-c", `${script} 2>&1`], { expect: ReturnType.Any });
      return { exit: await c.exitCode(), out: await c.stdout() };
    };
    const login = `--module ${SOFTHSM_MODULE} --token-label kios-db --login --pin "$(cat /run/secrets/pin)"`;
    checks = {
      verify: await run("sbverify --cert db.crt signed.efi"),
      verifyOther: await run("sbverify --cert other.crt signed.efi"),
      privkeys: await run(`pkcs11-tool ${login} --list-objects --type privkey`),
      pemInOutput: await run("grep -a -c 'PRIVATE KEY' signed.efi"),
    };

    wrongPinError = await kios
      .sign(stub, null, token.cert, KEY_URI, dag.setSecret("wrong-pin", WRONG_PIN), token.tokens)
      .then((f) => f.size())
      .then(() => "", (e: Error & { cmd?: string[]; stderr?: string }) => [e.message, ...(e.cmd ?? []), e.stderr].join("\n"));
    pinValueError = await kios
      .sign(stub, null, token.cert, `${KEY_URI};pin-value=${WRONG_PIN}`, token.pin, token.tokens)
      .then(() => "", (e: Error) => e.message);
  }, logOutput);
}, 10 * 60_000);

describe("sign with a PKCS#11 token (SoftHSM)", () => {
  it("signs: sbverify accepts the signature with the token's certificate", () => {
    expect(signedSize).toBeGreaterThan(unsignedSize);
    expect(checks.verify.out).toContain("Signature verification OK");
    expect(checks.verify.exit).toBe(0);
  });

  it("and refuses it with another certificate", () => {
    expect(checks.verifyOther.exit).not.toBe(0);
    expect(checks.verifyOther.out).toContain("Signature verification failed");
  });

  it("used a key that never leaves the token: sensitive, never extractable, made on the token", () => {
    expect(checks.privkeys.exit).toBe(0);
    expect(checks.privkeys.out).toMatch(/label:\s+db/);
    expect(checks.privkeys.out).toMatch(/Access:\s+sensitive, always sensitive, never extractable, local/);
  });

  it("outputs no private key", () => {
    expect(checks.pemInOutput.out.trim()).toBe("0");
  });

  it("fails with a wrong PIN, without showing it", () => {
    expect(wrongPinError).toMatch(/^exit code: 1/);
    expect(wrongPinError).toMatch(/^sbsign$/m);
    expect(wrongPinError).toMatch(/Login failed[\s\S]*PKCS11_get_private_key returned NULL/);
    expect(wrongPinError).not.toContain(WRONG_PIN);
  });

  it("refuses a URI holding the PIN (pin-value=), naming the argument", () => {
    expect(pinValueError).toMatch(/pkcs11Uri: holds the PIN \(pin-value=\)/);
    expect(pinValueError).not.toContain(WRONG_PIN);
  });

  it("never shows the PIN in the engine's log", () => {
    expect(log.length).toBeGreaterThan(1000);
    expect(log).not.toContain(TEST_PIN);
    expect(log).not.toContain(WRONG_PIN);
  });
});
