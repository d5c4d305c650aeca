/**
 * Container images built by the pipeline (no registry), as OCI image
 * archives: the pod sandbox (pause), preloaded on every node, and the smoke
 * test's probe image, which only the test network's registry serves.
 */
import { dag, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { ociArchive } from "./oci-archive.js";

export interface ImageArchive {
  /** The name containerd stores it under (and manifests refer to). */
  ref: string;
  archive: File;
}

/** The pause binary alone, as CRI's sandbox image (a reproducible archive: it goes into every release). */
export function pauseImage(ctx: StageContext, pause: File): ImageArchive {
  return {
    ref: `kios.local/pause:${ctx.config.kubernetes.version}`,
    archive: ociArchive(ctx, dag.directory().withFile("pause", pause, { permissions: 0o755 }), { entrypoint: ["/pause"] }),
  };
}

export const probeImagePackages = ["busybox-static"];

/**
 * Debian's static busybox with its applets linked in /bin: the smoke test's
 * probe pods (boot/smoke/node.yaml). Never in a release: the test network's
 * registry serves it, at this ref. Built from an empty container so that the
 * image holds only those files (a directory taken from another container
 * would carry that container's layers along).
 */
export function probeImage(ctx: StageContext): ImageArchive {
  const busybox = ctx.toolchain(probeImagePackages).file("/bin/busybox");
  return {
    ref: "kios-test/probe:1",
    archive: dag
      .container()
      .withFile("/bin/busybox", busybox, { permissions: 0o755 })
      .withExec(["/bin/busybox", "--install", "-s", "/bin"])
      .withEntrypoint(["/bin/sh"])
      .asTarball(),
  };
}
