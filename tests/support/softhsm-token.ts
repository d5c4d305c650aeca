/**
 * A SoftHSM token for tests, made in a container through the engine: the
 * db key pair is generated on the token (sensitive, never extractable) and
 * its certificate is signed by that key through the PKCS#11 engine.
 */
import { type Container, dag, type Directory, type File, type Secret } from "@dagger.io/dagger";
import type { Kios } from "../../.dagger/src/index.js";
import { SOFTHSM_MODULE } from "../../modules/uki/src/sign.js";

export { SOFTHSM_MODULE };

/** The token's label, the key's label and the URI `sign` takes. */
export const TOKEN_LABEL = "kios-db";
export const KEY_URI = `pkcs11:token=${TOKEN_LABEL};object=db;type=private`;
/** The token's user PIN: distinctive, so a test can look for it in logs. */
export const TEST_PIN = "kios-hsm-pin-2718";

export interface SoftHsmToken {
  /** SoftHSM's token directory (what `sign` takes as pkcs11Tokens). */
  tokens: Directory;
  /** The db certificate, signed by the token's key. */
  cert: File;
  /** Another self-signed certificate (a key that never touched the token). */
  otherCert: File;
  /** The user PIN, with a trailing newline as `echo PIN > pin` would write it. */
  pin: Secret;
}

/** A container with SoftHSM and pkcs11-tool, SOFTHSM2_CONF pointing at /tok/tokens. */
export async function tokenTools(kios: Kios, tokens?: Directory): Promise<Container> {
  const tools = (await kios.toolchain(["softhsm2", "opensc", "libengine-pkcs11-openssl", "openssl", "sbsigntool"]))
    .withNewFile("/tok/softhsm2.conf", "directories.tokendir = /tok/tokens\nobjectstore.backend = file\nlog.level = ERROR\n")
    .withEnvVariable("SOFTHSM2_CONF", "/tok/softhsm2.conf")
    .withEnvVariable("PKCS11_MODULE_PATH", SOFTHSM_MODULE);
  return tokens ? tools.withDirectory("/tok/tokens", tokens) : tools.withExec(["mkdir", "-p", "/tok/tokens"]);
}

export async function makeSoftHsmToken(kios: Kios, nonce = String(Date.now())): Promise<SoftHsmToken> {
  const pin = dag.setSecret(`softhsm-pin-${nonce}`, `${TEST_PIN}\n`);
  const made = (await tokenTools(kios))
    .withEnvVariable("NONCE", nonce)
    .withMountedSecret("/run/secrets/pin", pin)
    .withWorkdir("/tok")
    .withExec(["sh", "-euc", `
      pin=$(cat /run/secrets/pin)
      softhsm2-util --init-token --free --label ${TOKEN_LABEL} --so-pin 5678 --pin "$pin" >/dev/null
      pkcs11-tool --module ${SOFTHSM_MODULE} --token-label ${TOKEN_LABEL} --login --pin "$pin" \\
        --keypairgen --key-type RSA:2048 --id 01 --label db --usage-sign --sensitive >/dev/null
      mkdir -m 700 /run/pin && printf %s "$pin" > /run/pin/pin
      openssl req -new -x509 -engine pkcs11 -keyform engine -key "${KEY_URI};pin-source=file:/run/pin/pin" \\
        -subj /CN=kiOS-db-hsm/ -days 3650 -sha256 -out db.crt
      rm -r /run/pin
      openssl req -new -x509 -newkey rsa:2048 -nodes -keyout /dev/null -subj /CN=kiOS-other/ -days 30 -sha256 -out other.crt 2>/dev/null
    `]);
  return { tokens: made.directory("/tok/tokens"), cert: made.file("/tok/db.crt"), otherCert: made.file("/tok/other.crt"), pin };
}
