/** OVMF variables with a PK, KEK and db enrolled and Secure Boot on (virt-fw-vars). */
import { Container, Directory, File } from "@dagger.io/dagger";

/** The Debian packages enrolledVars needs in its toolchain. */
export const SECURE_BOOT_VARS_PACKAGES = ["ovmf", "python3-virt-firmware"];

/**
 * `certs` holds PK.crt, KEK.crt and db.crt (PEM), enrolled under the owner
 * GUID `owner`; returns the vars file for OVMF_CODE_4M.secboot.fd.
 * `toolchain` must have SECURE_BOOT_VARS_PACKAGES.
 */
export function enrolledVars(toolchain: Container, certs: Directory, owner: string): File {
  return toolchain
    .withDirectory("/keys", certs)
    .withWorkdir("/keys")
    .withExec([
      "virt-fw-vars",
      "--input", "/usr/share/OVMF/OVMF_VARS_4M.fd",
      "--output", "/keys/vars.fd",
      "--set-pk", owner, "PK.crt",
      "--add-kek", owner, "KEK.crt",
      "--add-db", owner, "db.crt",
      "--secure-boot",
    ])
    .file("/keys/vars.fd");
}
