/**
 * The container images a kiOS node needs on first boot, built by the
 * pipeline (no registry): the pod sandbox (pause) and the smoke-test image.
 * Each is an OCI image archive.
 */
import { dag, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";

export interface ImageArchive {
  /** The name containerd stores it under (and manifests refer to). */
  ref: string;
  archive: File;
}

/** The pause binary alone, as CRI's sandbox image. */
export function pauseImage(ctx: StageContext, pause: File): ImageArchive {
  return {
    ref: `kios.local/pause:${ctx.config.kubernetes.version}`,
    archive: dag
      .container()
      .withFile("/pause", pause, { permissions: 0o755 })
      .withEntrypoint(["/pause"])
      .asTarball(),
  };
}

export const smokeImagePackages = ["busybox-static"];

/**
 * Debian's static busybox with its applets linked in /bin: enough for the
 * smoke pod's script. Built from an empty container so that the image holds
 * only those files (a directory taken from another container would carry
 * that container's layers along).
 */
export function smokeImage(ctx: StageContext): ImageArchive {
  const busybox = ctx.toolchain(smokeImagePackages).file("/bin/busybox");
  return {
    ref: "kios.local/smoke:1",
    archive: dag
      .container()
      .withFile("/bin/busybox", busybox, { permissions: 0o755 })
      .withExec(["/bin/busybox", "--install", "-s", "/bin"])
      .withEntrypoint(["/bin/sh"])
      .asTarball(),
  };
}
