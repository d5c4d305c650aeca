/**
 * The kernel build: tinyconfig + Kconfig fragments (merged with the kernel's
 * own merge_config.sh, completed by olddefconfig), a check that every option
 * a fragment asks for made it into the final .config, then a reproducible
 * build of bzImage and the signed modules tree, with ccache in a cache
 * volume and kbuild's output directory kept in another, so a rebuild after
 * a fragment change is fast. Explicit inputs only: both the Kernel module
 * and the kiOS root module call this.
 */
import { createHash } from "node:crypto";
import { CacheSharingMode, CacheVolume, Container, dag, Directory, ExecError, File, Secret } from "@dagger.io/dagger";
import { describeUnmet, unmetRequests } from "./config-check.js";
import { BUILD, buildScript, configScript, KIOS, MODULE_KEY_FRAGMENT, MODULE_KEY_SECRET, OUT, SRC } from "./scripts.js";

/** Debian packages the toolchain container must have. */
export const KERNEL_PACKAGES = [
  "bc", "bison", "ccache", "flex", "gcc", "kmod", "libc6-dev", "libelf-dev",
  "libssl-dev", "make", "openssl", "xz-utils", "zstd",
];

/** One Kconfig fragment: its path as kbuild sees it (kernel/<name>) and its text. */
export interface Fragment {
  file: string;
  text: string;
}

/** The values stamped into a reproducible kernel. */
export interface ReproducibleStamps {
  /** SOURCE_DATE_EPOCH, also the source of KBUILD_BUILD_TIMESTAMP. */
  sourceDateEpoch: number;
  /** KBUILD_BUILD_USER. */
  buildUser: string;
  /** KBUILD_BUILD_HOST. */
  buildHost: string;
}

export interface KernelBuildInputs {
  /** A container with the KERNEL_PACKAGES installed. */
  toolchain: Container;
  /** A kernel source tree. */
  source: Directory;
  /** The fragments, in the order merge_config.sh applies them. */
  fragments: Fragment[];
  reproducible: ReproducibleStamps;
  /** ccache's cache. */
  ccache: CacheVolume;
  /** The kept kbuild output directory for a build key (a sha256, hex). */
  buildDirectory: (key: string) => CacheVolume;
  /**
   * What identifies the toolchain in the build key, next to the source's
   * digest (e.g. the package pins and the base image).
   */
  toolchainIdentity: Record<string, unknown>;
  /**
   * The module signing key: one PEM file with an RSA private key and its
   * X.509 certificate. Without it kbuild makes a throw-away key in the build
   * directory, and the kernel is not reproducible.
   */
  moduleSigningKey?: Secret;
}

export interface BuiltKernel {
  bzImage: File;
  /** `make modules_install INSTALL_MOD_PATH=` output: lib/modules/<release>/, modules signed. */
  modules: Directory;
  /** The final .config the kernel was built from. */
  config: File;
  /** The build's log: phases with timings, kbuild's output, ccache statistics of this build. */
  log: File;
  /** The kept kbuild output directory of this source and toolchain. */
  buildDirectory: CacheVolume;
  /** False when the modules were signed with a throw-away key (no moduleSigningKey): a rebuild differs. */
  reproducible: boolean;
}

/**
 * Build the kernel. Fails, naming the options, if a fragment's request is
 * not in the final .config.
 */
export async function buildKernel(inputs: KernelBuildInputs): Promise<BuiltKernel> {
  const { source: src, moduleSigningKey } = inputs;
  // A given key replaces kbuild's generated one: the last fragment points
  // CONFIG_MODULE_SIG_KEY at where the build step puts it.
  const fragments = moduleSigningKey ? [...inputs.fragments, MODULE_KEY_FRAGMENT] : inputs.fragments;
  if (!moduleSigningKey) log("no module signing key given: a throw-away key signs the modules; this kernel is not reproducible");
  const toolchain = withReproducibleEnv(inputs.toolchain, inputs.reproducible).withMountedDirectory(SRC, src);

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

  const key = await buildKey(src, inputs.toolchainIdentity);
  const buildDirectory = inputs.buildDirectory(key);
  const keyed = moduleSigningKey
    ? toolchain.withMountedSecret(MODULE_KEY_SECRET, moduleSigningKey).withMountedTemp("/run/kios-module-key")
    : toolchain;
  const out = keyed
    // kbuild's output directory persists, one per source and toolchain, so a
    // changed fragment recompiles only what depends on the changed options.
    // One build at a time uses it.
    .withMountedCache(BUILD, buildDirectory, { sharing: CacheSharingMode.Locked })
    .withEnvVariable("KIOS_BUILD_KEY", key)
    // ccache refills a new or emptied build directory quickly.
    .withMountedCache("/ccache", inputs.ccache)
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
    reproducible: moduleSigningKey !== undefined,
  };
}

/**
 * The *.config files of a directory, in name order (the order merge_config.sh
 * applies them), each named kernel/<name>; fails with `whenNone` if there are none.
 */
export async function readFragments(dir: Directory, whenNone: string): Promise<Fragment[]> {
  const names = (await dir.glob("*.config")).sort();
  if (names.length === 0) throw new Error(whenNone);
  return Promise.all(names.map(async (file) => ({ file: `kernel/${file}`, text: await dir.file(file).contents() })));
}

/** Only the fragments' text goes into the config step, so other files next to them do not bust its cache. */
function fragmentDirectory(fragments: Fragment[]): Directory {
  return fragments.reduce((dir, f) => dir.withNewFile(f.file, f.text), dag.directory());
}

/**
 * What a kept build directory was built from: the source's content digest
 * and the toolchain's identity. Anything else that changes (the .config, the
 * kbuild stamps) kbuild itself notices.
 */
async function buildKey(src: Directory, toolchainIdentity: Record<string, unknown>): Promise<string> {
  const key = JSON.stringify({ source: await src.digest(), ...toolchainIdentity });
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

/** SOURCE_DATE_EPOCH and the kbuild stamps. */
function withReproducibleEnv(container: Container, stamps: ReproducibleStamps): Container {
  return container
    .withEnvVariable("LC_ALL", "C")
    .withEnvVariable("TZ", "UTC")
    .withEnvVariable("SOURCE_DATE_EPOCH", String(stamps.sourceDateEpoch))
    .withEnvVariable("KBUILD_BUILD_USER", stamps.buildUser)
    .withEnvVariable("KBUILD_BUILD_HOST", stamps.buildHost)
    .withEnvVariable("KBUILD_BUILD_VERSION", "1");
}

const log = (message: string) => console.error(`[kernel] ${message}`);
