/** Secure Boot signing of an EFI binary with sbsign; sbverify checks the result against the certificate. */
import { Container, File, Secret } from "@dagger.io/dagger";

/** The Debian packages signEfi needs in its toolchain. */
export const SIGN_PACKAGES = ["sbsigntool"];

/**
 * Sign `efi` with `key` (PEM private key, a Secret: it is mounted for the
 * signing command only and never lands in a layer or a log) and `cert`.
 * `toolchain` must have SIGN_PACKAGES.
 */
export function signEfi(toolchain: Container, efi: File, key: Secret, cert: File): File {
  return toolchain
    .withWorkdir("/sign")
    .withFile("unsigned.efi", efi)
    .withFile("db.crt", cert)
    .withMountedSecret("/run/secrets/db.key", key)
    .withExec(["sbsign", "--key", "/run/secrets/db.key", "--cert", "db.crt", "--output", "signed.efi", "unsigned.efi"])
    .withExec(["sbverify", "--cert", "db.crt", "signed.efi"])
    .file("signed.efi");
}
