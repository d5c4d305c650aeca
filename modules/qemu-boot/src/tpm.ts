/**
 * A software TPM 2.0 for the guest: swtpm in the boot container, set up
 * fresh for each boot with the SHA-256 PCR bank alone (every allocated bank
 * costs the firmware and systemd-stub one more hash of the UKI under TCG),
 * attached as QEMU's CRB device. OVMF finds it and measures the boot.
 */

/** The Debian packages softwareTpm needs in its toolchain. */
export const SOFTWARE_TPM_PACKAGES = ["swtpm", "swtpm-tools"];

const STATE = "/tmp/swtpm";

/** The setup lines that start swtpm (it ends with QEMU) and QEMU's arguments for its CRB device. */
export function softwareTpm(): { setup: string; qemuArgs: string[] } {
  return {
    setup: [
      `mkdir -p ${STATE}`,
      `swtpm_setup --tpm2 --tpmstate ${STATE} --pcr-banks sha256 --overwrite > ${STATE}/setup.log 2>&1 || { cat ${STATE}/setup.log >&2; exit 1; }`,
      `swtpm socket --tpm2 --tpmstate dir=${STATE} --ctrl type=unixio,path=${STATE}/ctrl.sock --terminate --daemon --log file=${STATE}/log,level=1`,
    ].join("\n"),
    qemuArgs: ["-chardev", `socket,id=chrtpm,path=${STATE}/ctrl.sock`, "-tpmdev", "emulator,id=tpm0,chardev=chrtpm", "-device", "tpm-crb,tpmdev=tpm0"],
  };
}
