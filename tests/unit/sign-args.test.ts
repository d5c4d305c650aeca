/** The signing arguments of sign, build and smokeBoot: a key file or a PKCS#11 key, checked before anything runs. */
import type { Directory, File, Secret } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import { signingFrom } from "../../.dagger/src/stages/sign.js";
import { checkPkcs11Uri, sbsignCommand } from "../../modules/uki/src/sign.js";

// Only whether an argument is given matters here: plain objects stand for Dagger's.
const key = { secret: "key" } as unknown as Secret;
const pin = { secret: "pin" } as unknown as Secret;
const cert = { file: "db.crt" } as unknown as File;
const tokens = { dir: "tokens" } as unknown as Directory;
const uri = "pkcs11:token=kios-db;object=db;type=private";

describe("checkPkcs11Uri", () => {
  it("takes a pkcs11: URI without a PIN, dropping a trailing ';'", () => {
    expect(checkPkcs11Uri(uri)).toBe(uri);
    expect(checkPkcs11Uri(`${uri};`)).toBe(uri);
    expect(checkPkcs11Uri("pkcs11:model=SoftHSM%20v2;token=a;id=%01")).toBe("pkcs11:model=SoftHSM%20v2;token=a;id=%01");
  });

  it("refuses a PIN in the URI, naming the argument and never echoing the PIN", () => {
    for (const bad of [`${uri};pin-value=1234`, `${uri}?PIN-VALUE=1234`]) {
      expect(() => checkPkcs11Uri(bad)).toThrow(/^pkcs11Uri: holds the PIN \(pin-value=\)/);
      expect(() => checkPkcs11Uri(bad)).not.toThrow(/1234/);
    }
    expect(() => checkPkcs11Uri(`${uri};pin-source=file:/p`)).toThrow(/^pkcs11Uri: has a pin-source=/);
  });

  it("refuses what is not a PKCS#11 URI, or has white space", () => {
    expect(() => checkPkcs11Uri("/keys/db.key")).toThrow(/^pkcs11Uri: not a PKCS#11 URI/);
    expect(() => checkPkcs11Uri("pkcs11:token=my token")).toThrow(/^pkcs11Uri: has white space/);
    expect(() => checkPkcs11Uri("file:x", "signing.uri")).toThrow(/^signing\.uri: /);
  });
});

describe("signingFrom", () => {
  it("takes a key file and its certificate", () => {
    expect(signingFrom("sign", { key, cert })).toEqual({ key, cert });
  });

  it("takes a PKCS#11 key with its PIN, with or without a token directory", () => {
    expect(signingFrom("sign", { cert, pkcs11Uri: uri, pkcs11Pin: pin, key: null })).toEqual({ cert, pkcs11: { uri, pin, tokens: undefined } });
    expect(signingFrom("build", { cert, pkcs11Uri: `${uri};`, pkcs11Pin: pin, pkcs11Tokens: tokens })).toEqual({ cert, pkcs11: { uri, pin, tokens } });
  });

  it("wants exactly one of key and pkcs11Uri, naming both", () => {
    expect(() => signingFrom("sign", { key, cert, pkcs11Uri: uri, pkcs11Pin: pin })).toThrow(/^sign: give either key .* or pkcs11Uri .*, not both/);
    expect(() => signingFrom("build", { cert })).toThrow(/^build: give the signing key: key .* or pkcs11Uri .* with pkcs11Pin/);
    expect(() => signingFrom("sign", { key: null, cert, pkcs11Uri: null })).toThrow(/^sign: give the signing key/);
  });

  it("names what is missing or stray", () => {
    expect(() => signingFrom("sign", { cert, pkcs11Uri: uri })).toThrow(/^sign: pkcs11Uri needs pkcs11Pin/);
    expect(() => signingFrom("sign", { key, cert, pkcs11Tokens: tokens })).toThrow(/^sign: pkcs11Pin and pkcs11Tokens go with pkcs11Uri/);
    expect(() => signingFrom("build", { pkcs11Uri: uri, pkcs11Pin: pin })).toThrow(/^build: give cert/);
    expect(() => signingFrom("sign", { cert, pkcs11Uri: `${uri};pin-value=1`, pkcs11Pin: pin })).toThrow(/^pkcs11Uri: holds the PIN/);
  });

  it("is optional where the function allows no signing (smokeBoot)", () => {
    expect(signingFrom("smokeBoot", {}, false)).toBeUndefined();
    expect(() => signingFrom("smokeBoot", { cert }, false)).toThrow(/^smokeBoot: give the signing key/);
    expect(signingFrom("smokeBoot", { key, cert }, false)).toEqual({ key, cert });
  });
});

describe("sbsignCommand", () => {
  it("is sbsign with a key file or with the pkcs11 engine and a URI", () => {
    const frozen = ["env", "TZ=UTC", "faketime", "-f", "2026-01-01 00:00:00"];
    expect(sbsignCommand({ file: "/run/secrets/db.key" }, 1767225600)).toEqual([...frozen, "sbsign", "--key", "/run/secrets/db.key", "--cert", "db.crt", "--output", "signed.efi", "unsigned.efi"]);
    expect(sbsignCommand({ engine: "pkcs11", uri }, 1767225600)).toEqual([...frozen, "sbsign", "--engine", "pkcs11", "--key", uri, "--cert", "db.crt", "--output", "signed.efi", "unsigned.efi"]);
  });
});
