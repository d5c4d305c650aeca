/**
 * A config drive: a small FAT volume labelled KIOS holding node.yaml, which
 * the bootstrap pod reads at boot. FAT because any machine can write one
 * (a USB stick, a virtual disk, mtools without root), the kernel's vfat is
 * small, and cloud-init's NoCloud drives are FAT too. The node.yaml is
 * validated first, with the schema the node uses: an error names the key.
 */
import { File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { parseNodeConfig } from "../node-config/parse.js";
import { NODE_CONFIG_MAX_BYTES } from "../node-config/schema.js";

export const configDrivePackages = ["dosfstools", "mtools"];
export const CONFIG_DRIVE_LABEL = "KIOS";

/** A FAT volume labelled KIOS with `nodeYaml` as /node.yaml, as given (not checked: see configDrive). */
export function fatDrive(ctx: StageContext, nodeYaml: File): File {
  // 2 MiB: room for the largest node.yaml the node accepts, and a size every FAT tool takes.
  const kib = String(2 * Math.ceil(NODE_CONFIG_MAX_BYTES / 1024) + 512);
  return ctx
    .toolchain(configDrivePackages)
    .withEnvVariable("SOURCE_DATE_EPOCH", String(ctx.config.reproducible.source_date_epoch))
    .withFile("/drive/node.yaml", nodeYaml)
    .withExec(["mkfs.vfat", "-C", "--invariant", "-n", CONFIG_DRIVE_LABEL, "/drive.img", kib])
    .withExec(["mcopy", "-i", "/drive.img", "/drive/node.yaml", "::/node.yaml"])
    .file("/drive.img");
}

/** Validates `nodeYaml` (NodeConfigError naming each bad key) and makes its config drive. */
export async function configDrive(ctx: StageContext, nodeYaml: File, name = "node.yaml"): Promise<File> {
  parseNodeConfig(await nodeYaml.contents(), name);
  return fatDrive(ctx, nodeYaml);
}
