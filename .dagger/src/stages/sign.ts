/** Secure Boot signing of a UKI (modules/uki's sbsign + sbverify). */
import { File, Secret } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { SIGN_PACKAGES, signEfi as sign } from "../../../modules/uki/src/sign.js";

export const signPackages = SIGN_PACKAGES;

/**
 * Sign `efi` with `key` (PEM private key, a Secret: it is mounted for the
 * signing command only and never lands in a layer or a log) and `cert`.
 */
export function signEfi(ctx: StageContext, efi: File, key: Secret, cert: File): File {
  return sign(ctx.toolchain(signPackages), efi, key, cert);
}
