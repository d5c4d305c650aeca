/**
 * Secure Boot signing of an EFI binary with sbsign, by a key file or by a
 * key in a PKCS#11 token (sbsign's OpenSSL engine); sbverify checks the
 * result against the certificate.
 */
import { Container, Directory, File, Secret } from "@dagger.io/dagger";

/** The Debian packages signEfi needs in its toolchain. */
export const SIGN_PACKAGES = ["sbsigntool", "faketime"];
/** With a PKCS#11 key: the OpenSSL engine sbsign loads (libp11). */
export const PKCS11_PACKAGES = [...SIGN_PACKAGES, "libengine-pkcs11-openssl"];
/** With a SoftHSM token directory: SoftHSM itself. */
export const SOFTHSM_PACKAGES = ["softhsm2"];
/** SoftHSM's PKCS#11 module, what the engine loads when a token directory is given. */
export const SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so";

/** Where the PIN Secret is mounted, and the tmpfs copy without a trailing newline that the engine reads. */
const PIN_SECRET = "/run/secrets/pkcs11-pin";
const PIN_DIR = "/run/pkcs11";
const PIN_FILE = `${PIN_DIR}/pin`;
const SOFTHSM_DIR = "/run/softhsm";

/** A key in a PKCS#11 token. */
export interface Pkcs11Key {
  /** An RFC 7512 URI of the private key, without a PIN (e.g. pkcs11:token=kios-db;object=db;type=private). */
  uri: string;
  /** The token's user PIN. */
  pin: Secret;
  /** A SoftHSM token directory (softhsm2's tokendir); without it the engine's default module (p11-kit-proxy) finds the token. */
  tokens?: Directory;
}

/**
 * Check a PKCS#11 key URI given as `arg`: a pkcs11: URI that carries no PIN
 * (the PIN comes as a Secret). Returns it without a trailing ';'.
 */
export function checkPkcs11Uri(uri: string, arg = "pkcs11Uri"): string {
  if (!/^pkcs11:/i.test(uri)) throw new Error(`${arg}: not a PKCS#11 URI (pkcs11:...): ${JSON.stringify(uri.slice(0, 40))}`);
  if (/pin-value=/i.test(uri)) throw new Error(`${arg}: holds the PIN (pin-value=); give the PIN as a Secret instead, never in the URI`);
  if (/pin-source=/i.test(uri)) throw new Error(`${arg}: has a pin-source=; the PIN comes from its Secret, leave pin-source out`);
  if (/\s/.test(uri)) throw new Error(`${arg}: has white space; percent-encode it (%20)`);
  return uri.replace(/;+$/, "");
}

/**
 * The sbsign command line: the one place it is built. `key` is the key file
 * or the engine's URI. sbsign puts the signing time into the signature
 * (OpenSSL adds it to every PKCS#7 signer), so it runs under faketime with
 * the clock frozen at `signingTime` (SOURCE_DATE_EPOCH): the same UKI and key
 * give the same signed bytes. Firmware and sbverify do not check that time.
 */
export function sbsignCommand(key: { file: string } | { engine: "pkcs11"; uri: string }, signingTime: number): string[] {
  const keyArgs = "file" in key ? ["--key", key.file] : ["--engine", key.engine, "--key", key.uri];
  const frozen = new Date(signingTime * 1000).toISOString().slice(0, 19).replace("T", " ");
  return ["env", "TZ=UTC", "faketime", "-f", frozen, "sbsign", ...keyArgs, "--cert", "db.crt", "--output", "signed.efi", "unsigned.efi"];
}

/**
 * Sign `efi` with `key` (PEM private key, a Secret: it is mounted for the
 * signing command only and never lands in a layer or a log) and `cert`.
 * `toolchain` must have SIGN_PACKAGES.
 */
export function signEfi(toolchain: Container, efi: File, key: Secret, cert: File, signingTime: number): File {
  return verified(
    workdir(toolchain, efi, cert)
      .withMountedSecret("/run/secrets/db.key", key)
      .withExec(sbsignCommand({ file: "/run/secrets/db.key" }, signingTime)),
  );
}

/**
 * Sign `efi` with a key that stays in its PKCS#11 token, through sbsign's
 * pkcs11 engine, and `cert`. The PIN Secret is mounted for the signing step
 * only; a copy without a trailing newline (libp11 0.4.12 read it as part of
 * the PIN) goes to a tmpfs, and the URI the engine gets says
 * `pin-source=file:` of that copy: the PIN is never in argv, env, a layer or
 * a log. `toolchain` must have PKCS11_PACKAGES, and SOFTHSM_PACKAGES with
 * `tokens`.
 */
export function signEfiPkcs11(toolchain: Container, efi: File, key: Pkcs11Key, cert: File, signingTime: number): File {
  const uri = `${checkPkcs11Uri(key.uri)};pin-source=file:${PIN_FILE}`;
  let c = workdir(toolchain, efi, cert);
  if (key.tokens) {
    // SoftHSM locks and may update its token files: a writable copy, and its config written here.
    c = c
      .withDirectory(`${SOFTHSM_DIR}/tokens`, key.tokens)
      .withNewFile(`${SOFTHSM_DIR}/softhsm2.conf`, `directories.tokendir = ${SOFTHSM_DIR}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n`)
      .withEnvVariable("SOFTHSM2_CONF", `${SOFTHSM_DIR}/softhsm2.conf`)
      .withEnvVariable("PKCS11_MODULE_PATH", SOFTHSM_MODULE);
  }
  return verified(
    c
      .withMountedSecret(PIN_SECRET, key.pin)
      .withMountedTemp(PIN_DIR)
      .withExec(["sh", "-euc", `umask 077; printf %s "$(cat ${PIN_SECRET})" > ${PIN_FILE}; exec "$@"`, "sign", ...sbsignCommand({ engine: "pkcs11", uri }, signingTime)]),
  );
}

function workdir(toolchain: Container, efi: File, cert: File): Container {
  return toolchain.withWorkdir("/sign").withFile("unsigned.efi", efi).withFile("db.crt", cert);
}

/** The signed file, once sbverify accepts it against the certificate. */
function verified(signed: Container): File {
  return signed.withExec(["sbverify", "--cert", "db.crt", "signed.efi"]).file("signed.efi");
}
