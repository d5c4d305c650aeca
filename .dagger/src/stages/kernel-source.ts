/**
 * Debian trixie's kernel source (the linux-source-6.12 package pinned in
 * build.toml), unpacked in the pipeline: what offline builds compile, since
 * the upstream tarball's site cannot be reached from them.
 */
import type { Directory } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";

export const debianKernelSourcePackage = "linux-source-6.12";

export function debianKernelSource(ctx: StageContext): Directory {
  return ctx
    .toolchain([debianKernelSourcePackage])
    .withExec([
      "sh",
      "-ec",
      `mkdir /src && tar -xf /usr/src/${debianKernelSourcePackage}.tar.xz -C /src --strip-components=1 && test -f /src/Makefile`,
    ])
    .directory("/src");
}
