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

/** Debian's static busybox with its applets linked in /bin: enough for the smoke pod's script. */
export function smokeImage(ctx: StageContext): ImageArchive {
  const rootfs = ctx
    .toolchain(smokeImagePackages)
    .withExec([
      "sh",
      "-ec",
      'mkdir -p /image/bin; cp /bin/busybox /image/bin/busybox; for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "/image/bin/$a"; done',
    ])
    .directory("/image");
  return {
    ref: "kios.local/smoke:1",
    archive: dag.container().withRootfs(rootfs).withEntrypoint(["/bin/sh"]).asTarball(),
  };
}
