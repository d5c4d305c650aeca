/**
 * Kernel: a Linux kernel from tinyconfig plus Kconfig fragments, checked and
 * built reproducibly (bzImage and signed modules), with ccache and kbuild's
 * output directory kept in cache volumes so a rebuild is fast.
 */
import { CacheVolume, Container, dag, Directory, File, func, object, Secret } from "@dagger.io/dagger";
import { buildKernel, KERNEL_PACKAGES, readFragments } from "./build.js";
import { checkFragmentName } from "./config-check.js";
import { KernelBuild } from "./kernel-build.js";

/** A Linux kernel build: tinyconfig + Kconfig fragments, every requested option checked, built reproducibly. */
@object()
export class Kernel {
  toolchain: Container;
  source: Directory;
  ccache: CacheVolume;
  buildDirectory?: CacheVolume;
  sourceDateEpoch: number;
  buildUser: string;
  buildHost: string;
  /** The fragments added with withFragment, by file name. */
  fragments: Directory;
  /** The module signing key given with withModuleSigningKey. */
  moduleSigningKey?: Secret;

  /**
   * @param toolchain a container with the Debian packages `packages` lists installed (gcc, make, bison, flex, ccache...)
   * @param source a kernel source tree (e.g. an unpacked linux-6.12.x tarball)
   * @param ccache cache volume for ccache (default: the module's own)
   * @param buildDirectory cache volume for the kept kbuild output directory; a directory of another source or toolchain in it is emptied first (default: the module's own, one per source and toolchain)
   * @param sourceDateEpoch SOURCE_DATE_EPOCH of the build, also the kernel's build timestamp (KBUILD_BUILD_TIMESTAMP)
   * @param buildUser the build user stamped into the kernel (KBUILD_BUILD_USER)
   * @param buildHost the build host stamped into the kernel (KBUILD_BUILD_HOST)
   */
  constructor(
    toolchain: Container,
    source: Directory,
    ccache?: CacheVolume,
    buildDirectory?: CacheVolume,
    sourceDateEpoch = 0,
    buildUser = "builder",
    buildHost = "localhost",
  ) {
    this.toolchain = toolchain;
    this.source = source;
    this.ccache = ccache ?? dag.cacheVolume("kernel-ccache");
    this.buildDirectory = buildDirectory;
    this.sourceDateEpoch = sourceDateEpoch;
    this.buildUser = buildUser;
    this.buildHost = buildHost;
    this.fragments = dag.directory();
  }

  /**
   * This build with one more Kconfig fragment. Fragments are merged in name
   * order (merge_config.sh: a later one overrides an earlier one); a name
   * given again replaces that fragment.
   *
   * @example dagger -m modules/kernel call --toolchain=registry.example/kernel-toolchain:trixie --source=./linux-6.12.111 with-fragment --name=90-wireguard.config --fragment=./wireguard.config build config contents
   * @param name the fragment's file name, ending in .config (e.g. 90-wireguard.config)
   * @param fragment its text: CONFIG_X=value and "# CONFIG_X is not set" lines
   */
  @func()
  withFragment(name: string, fragment: File): Kernel {
    checkFragmentName(name);
    return Object.assign(Object.create(Kernel.prototype) as Kernel, this, { fragments: this.fragments.withFile(name, fragment) });
  }

  /**
   * This build with its modules signed by `key` instead of a throw-away key
   * made for the build directory: needed for a reproducible kernel.
   *
   * @example dagger -m modules/kernel call --toolchain=registry.example/kernel-toolchain:trixie --source=./linux-6.12.111 with-fragment --name=10-core.config --fragment=./kernel/10-core.config with-module-signing-key --key=file:./module.pem build bz-image export --path=bzImage
   * @param key one PEM file holding an RSA private key and its X.509 certificate (openssl req -x509 -newkey rsa:4096 ..., key and certificate concatenated)
   */
  @func()
  withModuleSigningKey(key: Secret): Kernel {
    return Object.assign(Object.create(Kernel.prototype) as Kernel, this, { moduleSigningKey: key });
  }

  /**
   * Configure (tinyconfig + the fragments, olddefconfig) and build the
   * kernel: bzImage, the signed modules, the final .config and the build log.
   * Fails naming each option a fragment asks for that the final .config lacks.
   *
   * @example dagger -m modules/kernel call --toolchain=registry.example/kernel-toolchain:trixie --source=./linux-6.12.111 with-fragment --name=10-core.config --fragment=./kernel/10-core.config build log contents
   */
  @func()
  async build(): Promise<KernelBuild> {
    const fragments = await readFragments(this.fragments, "kernel: no fragments: add at least one with withFragment");
    const built = await buildKernel({
      toolchain: this.toolchain,
      source: this.source,
      fragments,
      reproducible: { sourceDateEpoch: this.sourceDateEpoch, buildUser: this.buildUser, buildHost: this.buildHost },
      ccache: this.ccache,
      buildDirectory: (key) => this.buildDirectory ?? dag.cacheVolume(`kernel-build-${key.slice(0, 16)}`),
      toolchainIdentity: { toolchain: await this.toolchain.rootfs().digest() },
      moduleSigningKey: this.moduleSigningKey,
    });
    return new KernelBuild(built.bzImage, built.modules, built.config, built.log);
  }

  /**
   * The Debian packages the toolchain container must have.
   *
   * @example dagger -m modules/kernel call --toolchain=debian:trixie --source=./linux-6.12.111 packages
   */
  @func()
  packages(): string[] {
    return [...KERNEL_PACKAGES];
  }
}
