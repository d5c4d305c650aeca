/**
 * The kernel stage: modules/kernel's build (tinyconfig + the kernel/*.config
 * fragments, checked, built reproducibly with ccache and a kept build
 * directory) fed from build.toml: the [debian.packages] pins of its
 * toolchain, [reproducible]'s stamps and, by default, [kernel]'s tarball.
 */
import { dag, type Directory, type Secret } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { buildKernel as build, type BuiltKernel, KERNEL_PACKAGES, readFragments } from "../../../modules/kernel/src/build.js";

export { KERNEL_PACKAGES };
export type { BuiltKernel };

const SRC = "/src";

/**
 * Build the kernel. `source` is a kernel source tree; without it the pinned
 * upstream tarball of build.toml [kernel] is downloaded and verified.
 * `moduleSigningKey` (RSA key + certificate, one PEM) signs the modules;
 * without it a throw-away key does and the kernel is not reproducible.
 * Fails, naming the options, if a fragment's request is not in the final .config.
 */
export async function buildKernel(ctx: StageContext, source?: Directory, moduleSigningKey?: Secret): Promise<BuiltKernel> {
  const fragments = await readFragments(ctx.source.directory("kernel"), "kernel/: no *.config fragments found");
  const src = source ?? upstreamKernelSource(ctx);
  const toolchain = ctx.toolchain(KERNEL_PACKAGES);
  const { source_date_epoch, build_user, build_host } = ctx.config.reproducible;
  return build({
    toolchain,
    source: src,
    fragments,
    reproducible: { sourceDateEpoch: source_date_epoch, buildUser: build_user, buildHost: build_host },
    ccache: ctx.cache("kernel-ccache"),
    // One kept build directory per source and toolchain (the key's first 16 hex digits).
    buildDirectory: (key) => ctx.cache("kernel-build", key.slice(0, 16)),
    // The toolchain is what its pins and the base image make it.
    toolchainIdentity: {
      pins: KERNEL_PACKAGES.map((p) => `${p}=${ctx.config.debian.packages[p]}`),
      base: ctx.config.base,
    },
    moduleSigningKey,
  });
}

/** The pinned upstream tarball, checksum-verified, unpacked (not testable offline: kernel.org is unreachable here). */
export function upstreamKernelSource(ctx: StageContext): Directory {
  const { tarball_url, tarball_sha256, version } = ctx.config.kernel;
  return ctx
    .toolchain(["make", "xz-utils"])
    .withMountedFile("/tmp/linux.tar.xz", dag.http(tarball_url))
    .withExec([
      "bash",
      "-ec",
      `echo "${tarball_sha256}  /tmp/linux.tar.xz" | sha256sum -c --strict - \\
         || { echo "build.toml: kernel.tarball_sha256 does not match ${tarball_url}" >&2; exit 1; }
       mkdir ${SRC} && tar -xf /tmp/linux.tar.xz -C ${SRC} --strip-components=1
       v=$(make -s -C ${SRC} kernelversion)
       [ "$v" = "${version}" ] || { echo "build.toml: kernel.version is ${version} but the tarball is $v" >&2; exit 1; }`,
    ])
    .directory(SRC);
}
