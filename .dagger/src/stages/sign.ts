/**
 * Secure Boot signing of a UKI (modules/uki's sbsign + sbverify), by a key
 * file or by a key in a PKCS#11 token.
 */
import { Directory, File, Secret } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import {
  checkPkcs11Uri,
  PKCS11_PACKAGES,
  type Pkcs11Key,
  SIGN_PACKAGES,
  SOFTHSM_PACKAGES,
  signEfi as signWithFile,
  signEfiPkcs11,
} from "../../../modules/uki/src/sign.js";

export const signPackages = SIGN_PACKAGES;

/** A Secure Boot key (a PEM key file, or a key in a PKCS#11 token) and its certificate. */
export type Signing = { cert: File } & ({ key: Secret; pkcs11?: never } | { key?: never; pkcs11: Pkcs11Key });

/** The signing arguments as the module's functions take them (undefined or null when not given). */
export interface SigningArgs {
  key?: Secret | null;
  cert?: File | null;
  pkcs11Uri?: string | null;
  pkcs11Pin?: Secret | null;
  pkcs11Tokens?: Directory | null;
}

/**
 * The Signing `fn`'s arguments describe: exactly one of key / pkcs11Uri (a
 * URI needs pkcs11Pin), and cert. Undefined when none is given and
 * `required` is false; else errors name the arguments.
 */
export function signingFrom(fn: string, args: SigningArgs): Signing;
export function signingFrom(fn: string, args: SigningArgs, required: boolean): Signing | undefined;
export function signingFrom(fn: string, args: SigningArgs, required = true): Signing | undefined {
  const { key, cert, pkcs11Uri, pkcs11Pin, pkcs11Tokens } = args;
  if (key && pkcs11Uri) throw new Error(`${fn}: give either key (a key file) or pkcs11Uri (a key in a token), not both`);
  if (!pkcs11Uri && (pkcs11Pin || pkcs11Tokens)) throw new Error(`${fn}: pkcs11Pin and pkcs11Tokens go with pkcs11Uri, which is missing`);
  if (!key && !pkcs11Uri) {
    if (!required && !cert) return undefined;
    throw new Error(`${fn}: give the signing key: key (a PEM key file) or pkcs11Uri (a key in a PKCS#11 token) with pkcs11Pin`);
  }
  if (!cert) throw new Error(`${fn}: give cert, the signing key's certificate (PEM)`);
  if (key) return { key, cert };
  const uri = checkPkcs11Uri(pkcs11Uri as string);
  if (!pkcs11Pin) throw new Error(`${fn}: pkcs11Uri needs pkcs11Pin, the token's user PIN (a Secret)`);
  return { cert, pkcs11: { uri, pin: pkcs11Pin, tokens: pkcs11Tokens ?? undefined } };
}

/** `efi` signed as `signing` says, and checked by sbverify against its certificate. */
export function signEfi(ctx: StageContext, efi: File, signing: Signing): File {
  const signingTime = ctx.config.reproducible.source_date_epoch;
  if (signing.key) return signWithFile(ctx.toolchain(signPackages), efi, signing.key, signing.cert, signingTime);
  const { pkcs11 } = signing;
  const packages = pkcs11.tokens ? [...PKCS11_PACKAGES, ...SOFTHSM_PACKAGES] : PKCS11_PACKAGES;
  return signEfiPkcs11(ctx.toolchain(packages), efi, pkcs11, signing.cert, signingTime);
}
