/** Secure Boot signing of a UKI with sbsign; sbverify checks the result against the certificate. */
import { File, Secret } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";

export const signPackages = ["sbsigntool"];

/**
 * Sign `efi` with `key` (PEM private key, a Secret: it is mounted for the
 * signing command only and never lands in a layer or a log) and `cert`.
 */
export function signEfi(ctx: StageContext, efi: File, key: Secret, cert: File): File {
  return ctx
    .toolchain(signPackages)
    .withWorkdir("/sign")
    .withFile("unsigned.efi", efi)
    .withFile("db.crt", cert)
    .withMountedSecret("/run/secrets/db.key", key)
    .withExec(["sbsign", "--key", "/run/secrets/db.key", "--cert", "db.crt", "--output", "signed.efi", "unsigned.efi"])
    .withExec(["sbverify", "--cert", "db.crt", "signed.efi"])
    .file("signed.efi");
}
