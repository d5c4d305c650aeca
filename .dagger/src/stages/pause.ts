/**
 * The pause binary of the pod sandbox, from build/pause/linux/pause.c in the
 * k8s.io/kubernetes module that build.toml's [kubernetes] pins: compiled
 * with the CFLAGS of build/pause/Makefile (static, -Os, VERSION=v<TAG>-<REV>)
 * with REV set to the pinned Kubernetes version, then stripped.
 */
import { File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { fetchGoModule, GoModulePin } from "./go.js";

export const pausePackages = ["gcc", "libc6-dev", "make"];

export async function buildPause(ctx: StageContext, pin: GoModulePin = ctx.config.kubernetes): Promise<File> {
  const source = await fetchGoModule(ctx, "kubernetes", pin);
  return ctx
    .toolchain(pausePackages)
    .withDirectory("/src", source.dir.directory("build/pause"))
    .withWorkdir("/src")
    .withExec([
      "sh",
      "-ec",
      // The Makefile computes CFLAGS. Setting ALL_OSVERSIONS.windows keeps
      // make from running the docker query behind it (image targets only).
      `cflags=$(make -s --no-print-directory --eval 'kios-cflags: ; @echo $(CFLAGS)' kios-cflags REV="$1" ALL_OSVERSIONS.windows=)
      mkdir -p /out
      gcc $cflags -o /out/pause linux/pause.c
      strip /out/pause`,
      "sh",
      pin.version,
    ])
    .file("/out/pause");
}
