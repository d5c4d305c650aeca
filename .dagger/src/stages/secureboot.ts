/** OVMF variables with our PK, KEK and db enrolled and Secure Boot on (modules/qemu-boot's virt-fw-vars). */
import { Directory, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { enrolledVars as enroll, SECURE_BOOT_VARS_PACKAGES } from "../../../modules/qemu-boot/src/secureboot.js";

export const secureBootPackages = SECURE_BOOT_VARS_PACKAGES;

/** Owner GUID recorded with the enrolled keys. */
export const KIOS_KEY_OWNER = "6b696f53-0000-4000-8000-6b696f536b79";

/** `certs` holds PK.crt, KEK.crt and db.crt (PEM); returns the vars file for OVMF_CODE_4M.secboot.fd. */
export function enrolledVars(ctx: StageContext, certs: Directory): File {
  return enroll(ctx.toolchain(secureBootPackages), certs, KIOS_KEY_OWNER);
}
