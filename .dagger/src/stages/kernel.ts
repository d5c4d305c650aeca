/**
 * The kernel stage: tinyconfig + the kernel/*.config fragments (merged with
 * the kernel's own merge_config.sh, completed by olddefconfig), a check that
 * every option a fragment asks for made it into the final .config, then a
 * reproducible build of bzImage and the signed modules tree, with ccache in
 * a Dagger cache volume so a rebuild after a fragment change is fast.
 */
import { createHash } from "node:crypto";
import { CacheSharingMode, CacheVolume, Container, dag, Directory, ExecError, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { describeUnmet, unmetRequests } from "./kernel-config.js";

/** Debian packages of the kernel build containers (pinned in build.toml). */
export const KERNEL_PACKAGES = [
  "bc", "bison", "ccache", "flex", "gcc", "kmod", "libc6-dev", "libelf-dev",
  "libssl-dev", "make", "openssl", "xz-utils", "zstd",
];

export interface BuiltKernel {
  bzImage: File;
  /** `make modules_install INSTALL_MOD_PATH=` output: lib/modules/<release>/, modules signed. */
  modules: Directory;
  /** The final .config the kernel was built from. */
  config: File;
  /** The build's log: phases with timings, kbuild's output, ccache statistics of this build. */
  log: File;
  /** The kept kbuild output directory of this source and toolchain (holds the module signing key). */
  buildDirectory: CacheVolume;
}

const SRC = "/src";
const BUILD = "/build";
/** The fragments go to /kios/kernel/, so kbuild's messages name them as kernel/<name>. */
const KIOS = "/kios";
const OUT = "/out";
/** ccache wraps the compilers; Kconfig sees the same CC in the config and build steps. */
const MAKE = `make -C ${SRC} O=${BUILD} CC="ccache gcc" HOSTCC="ccache gcc"`;

/**
 * Build the kernel. `source` is a kernel source tree; without it the pinned
 * upstream tarball of build.toml [kernel] is downloaded and verified.
 * Fails, naming the options, if a fragment's request is not in the final .config.
 */
export async function buildKernel(ctx: StageContext, source?: Directory): Promise<BuiltKernel> {
  const fragments = await readFragments(ctx.source.directory("kernel"));
  const src = source ?? upstreamKernelSource(ctx);
  const toolchain = withReproducibleEnv(ctx, ctx.toolchain(KERNEL_PACKAGES)).withMountedDirectory(SRC, src);

  log(`configuring: tinyconfig + ${fragments.map((f) => f.file).join(" ")}`);
  const config = toolchain
    .withDirectory(KIOS, fragmentDirectory(fragments))
    .withWorkdir(KIOS)
    .withEnvVariable("CCACHE_DISABLE", "1")
    .withExec(["bash", "-ec", configScript(fragments.map((f) => f.file))])
    .file(`${BUILD}/.config`);
  const unmet = unmetRequests(fragments, await step("configuring", config.contents()));
  if (unmet.length) throw new Error(describeUnmet(unmet));
  log("config checked: every fragment option is in the final .config; building (cached unless an input changed)");

  const key = await buildKey(ctx, src);
  const buildDirectory = ctx.cache("kernel-build", key.slice(0, 16));
  const out = toolchain
    // kbuild's output directory persists, one per source and toolchain, so a
    // changed fragment recompiles only what depends on the changed options.
    // One build at a time uses it.
    .withMountedCache(BUILD, buildDirectory, { sharing: CacheSharingMode.Locked })
    .withEnvVariable("KIOS_BUILD_KEY", key)
    // ccache refills a new or emptied build directory quickly.
    .withMountedCache("/ccache", ctx.cache("kernel-ccache"))
    .withEnvVariable("CCACHE_DIR", "/ccache")
    .withEnvVariable("CCACHE_MAXSIZE", "3G")
    // Generated headers are rewritten on every fresh build: compare them by content.
    .withEnvVariable("CCACHE_SLOPPINESS", "include_file_mtime,include_file_ctime")
    // Hash the compiler's own dependency lists (kbuild asks for them) instead
    // of running the preprocessor a second time on every cache miss.
    .withEnvVariable("CCACHE_DEPEND", "1")
    .withEnvVariable("CCACHE_STATSLOG", "/tmp/ccache-stats.log")
    .withFile("/tmp/checked.config", config)
    .withExec(["bash", "-ec", buildScript()])
    .directory(OUT);
  await step("building", out.sync());
  return {
    bzImage: out.file("bzImage"),
    modules: out.directory("modules"),
    config: out.file("config"),
    log: out.file("build.log"),
    buildDirectory,
  };
}

interface Fragment {
  file: string;
  text: string;
}

/** The *.config files of kernel/, in name order (the order merge_config.sh applies them). */
async function readFragments(dir: Directory): Promise<Fragment[]> {
  const names = (await dir.glob("*.config")).sort();
  if (names.length === 0) throw new Error("kernel/: no *.config fragments found");
  return Promise.all(names.map(async (file) => ({ file: `kernel/${file}`, text: await dir.file(file).contents() })));
}

/** Only the fragments' text goes into the config step, so other files in kernel/ do not bust its cache. */
function fragmentDirectory(fragments: Fragment[]): Directory {
  return fragments.reduce((dir, f) => dir.withNewFile(f.file, f.text), dag.directory());
}

/**
 * What a kept build directory was built from: the source's content digest
 * and the toolchain pins. Anything else that changes (the .config, the
 * kbuild stamps) kbuild itself notices.
 */
async function buildKey(ctx: StageContext, src: Directory): Promise<string> {
  const pins = KERNEL_PACKAGES.map((p) => `${p}=${ctx.config.debian.packages[p]}`);
  const key = JSON.stringify({ source: await src.digest(), pins, base: ctx.config.base });
  return createHash("sha256").update(key).digest("hex");
}

/** Awaits a step; a failed command becomes an error with the end of its output. */
async function step<T>(what: string, result: Promise<T>): Promise<T> {
  try {
    return await result;
  } catch (e) {
    if (!(e instanceof ExecError)) throw e;
    const output = `${e.stdout}\n${e.stderr}`.trim().split("\n").slice(-40).join("\n");
    throw new Error(`kernel: ${what} failed (exit code ${e.exitCode}); the end of its output:\n${output}`);
  }
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

/** SOURCE_DATE_EPOCH and the kbuild stamps from build.toml [reproducible]. */
function withReproducibleEnv(ctx: StageContext, container: Container): Container {
  const { source_date_epoch, build_user, build_host } = ctx.config.reproducible;
  return container
    .withEnvVariable("LC_ALL", "C")
    .withEnvVariable("TZ", "UTC")
    .withEnvVariable("SOURCE_DATE_EPOCH", String(source_date_epoch))
    .withEnvVariable("KBUILD_BUILD_USER", build_user)
    .withEnvVariable("KBUILD_BUILD_HOST", build_host)
    .withEnvVariable("KBUILD_BUILD_VERSION", "1");
}

/** The shell prelude of both steps: timed phases, KBUILD_BUILD_TIMESTAMP from SOURCE_DATE_EPOCH. */
const PRELUDE = `
start=$SECONDS
phase() { echo "[kernel +$((SECONDS - start))s] $*"; }
export KBUILD_BUILD_TIMESTAMP="$(date -u -d "@$SOURCE_DATE_EPOCH")"
`;

function configScript(fragmentPaths: string[]): string {
  return `${PRELUDE}
mkdir -p ${BUILD}
phase "kernel $(make -s -C ${SRC} kernelversion): make tinyconfig"
${MAKE} -s tinyconfig
phase "merge_config.sh ${fragmentPaths.join(" ")}"
${SRC}/scripts/kconfig/merge_config.sh -m -O ${BUILD} ${BUILD}/.config ${fragmentPaths.join(" ")}
phase "make olddefconfig"
${MAKE} -s olddefconfig
`;
}

function buildScript(): string {
  return `${PRELUDE}
set -o pipefail
mkdir -p ${OUT}
build() {
jobs=$(nproc)
phase "kernel $(make -s -C ${SRC} kernelversion), $jobs jobs, KBUILD_BUILD_TIMESTAMP=$KBUILD_BUILD_TIMESTAMP"
phase "toolchain: $(gcc --version | head -1); installed $(grep Start-Date /var/log/apt/history.log | tail -1)"
# A build directory a killed build left behind (.kios-dirty), or (should two
# keys ever share a volume name) one of another key, is emptied; ccache then
# refills it.
if [ "$(cat ${BUILD}/.kios-key 2>/dev/null)" != "$KIOS_BUILD_KEY" ] || [ -e ${BUILD}/.kios-dirty ]; then
  phase "new build directory"
  find ${BUILD} -mindepth 1 -delete
  echo "$KIOS_BUILD_KEY" >${BUILD}/.kios-key
else
  phase "reusing the build directory: kbuild recompiles what the changes touch"
fi
touch ${BUILD}/.kios-dirty
# An unchanged .config keeps its time stamp, so kbuild sees nothing to redo.
cmp -s /tmp/checked.config ${BUILD}/.config || cp /tmp/checked.config ${BUILD}/.config
phase "make bzImage modules"
${MAKE} -j"$jobs" bzImage modules
# Building must not have changed the checked configuration.
cmp ${BUILD}/.config /tmp/checked.config || { echo "the build changed the checked .config" >&2; exit 1; }
phase "make modules_install (signs the modules)"
${MAKE} -s INSTALL_MOD_PATH=${OUT}/modules INSTALL_MOD_STRIP=1 modules_install
rm -f ${BUILD}/.kios-dirty
# Links back into this build container mean nothing outside it.
rm -f ${OUT}/modules/lib/modules/*/build ${OUT}/modules/lib/modules/*/source
cp ${BUILD}/arch/x86/boot/bzImage ${OUT}/bzImage
cp ${BUILD}/.config ${OUT}/config
phase "done: release $(cat ${BUILD}/include/config/kernel.release), bzImage $(stat -c %s ${OUT}/bzImage) bytes, $(find ${OUT}/modules -name '*.ko' | wc -l) modules, $(find ${BUILD} -name '*.o' | wc -l) objects in the build directory"
echo "ccache statistics of this build:"
ccache --print-log-stats
}
build 2>&1 | tee ${OUT}/build.log
`;
}

const log = (message: string) => console.error(`[kernel] ${message}`);
