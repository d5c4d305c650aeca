/** OVMF variables with our PK, KEK and db enrolled and Secure Boot on (virt-fw-vars). */
import { Directory, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";

export const secureBootPackages = ["ovmf", "python3-virt-firmware"];

/** Owner GUID recorded with the enrolled keys. */
export const KIOS_KEY_OWNER = "6b696f53-0000-4000-8000-6b696f536b79";

/** `certs` holds PK.crt, KEK.crt and db.crt (PEM); returns the vars file for OVMF_CODE_4M.secboot.fd. */
export function enrolledVars(ctx: StageContext, certs: Directory): File {
  return ctx
    .toolchain(secureBootPackages)
    .withDirectory("/keys", certs)
    .withWorkdir("/keys")
    .withExec([
      "virt-fw-vars",
      "--input", "/usr/share/OVMF/OVMF_VARS_4M.fd",
      "--output", "/keys/vars.fd",
      "--set-pk", KIOS_KEY_OWNER, "PK.crt",
      "--add-kek", KIOS_KEY_OWNER, "KEK.crt",
      "--add-db", KIOS_KEY_OWNER, "db.crt",
      "--secure-boot",
    ])
    .file("/keys/vars.fd");
}
