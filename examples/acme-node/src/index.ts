/**
 * Acme Node OS: a downstream distro of kiOS. It adds a kernel fragment
 * (WireGuard), a static pod, one binary of its own and its own os-release
 * name to kiOS through kiOS's with* functions, without copying kiOS's code.
 */
import { argument, CacheVolume, dag, Directory, File, func, Kios, object, Secret } from "@dagger.io/dagger";

/** Acme Node OS, built on kiOS. */
@object()
export class AcmeNode {
  source: Directory;
  offline: boolean;
  baseArchive?: File;
  aptArchives?: CacheVolume;
  aptLists?: CacheVolume;
  goModCache?: CacheVolume;
  goBuildCache?: CacheVolume;
  kernelCcache?: CacheVolume;

  /**
   * The build options are kiOS's, passed through (see `dagger -m ../.. call --help`).
   *
   * @param source this distro's files (kernel/, pods/, agent/)
   * @param offline kiOS's offline flag: the base image from an archive instead of a registry
   * @param baseArchive with offline: the base image archive
   * @param aptArchives cache volume for Debian packages (share it with other kiOS builds)
   * @param aptLists cache volume for apt's lists
   * @param goModCache cache volume for Go's module cache
   * @param goBuildCache cache volume for Go's build cache
   * @param kernelCcache cache volume for the kernel's ccache
   */
  constructor(
    @argument({ defaultPath: ".", ignore: ["node_modules", "sdk"] }) source: Directory,
    offline = false,
    baseArchive?: File,
    aptArchives?: CacheVolume,
    aptLists?: CacheVolume,
    goModCache?: CacheVolume,
    goBuildCache?: CacheVolume,
    kernelCcache?: CacheVolume,
  ) {
    this.source = source;
    this.offline = offline;
    this.baseArchive = baseArchive;
    this.aptArchives = aptArchives;
    this.aptLists = aptLists;
    this.goModCache = goModCache;
    this.goBuildCache = goBuildCache;
    this.kernelCcache = kernelCcache;
  }

  /**
   * kiOS's build.toml as this distro builds it (validated by kiOS).
   *
   * @example dagger -m examples/acme-node call config
   */
  @func()
  async config(): Promise<string> {
    return this.distro().config();
  }

  /**
   * The node's root filesystem: kiOS's, with Acme's pod, binary and os-release.
   *
   * @example dagger -m examples/acme-node call rootfs file --path=etc/os-release contents
   */
  @func()
  rootfs(): Directory {
    return this.distro().rootfs();
  }

  /**
   * The kernel with Acme's fragment (a module's functions may return core
   * types only, not a dependency's objects: its parts, then).
   *
   * @example dagger -m examples/acme-node call kernel --path=config contents
   * @param path a file of kiOS's KernelBuild directory: bzImage, config, or modules/lib/modules/...
   */
  @func()
  kernel(path: string): File {
    return this.distro().kernel().directory().file(path);
  }

  /** kiOS with Acme's additions (a Dagger module cannot return a dependency's object: callers get its results). */
  private distro(): Kios {
    return dag
      .kios({
        offline: this.offline,
        baseArchive: this.baseArchive,
        aptArchives: this.aptArchives,
        aptLists: this.aptLists,
        goModCache: this.goModCache,
        goBuildCache: this.goBuildCache,
        kernelCcache: this.kernelCcache,
      })
      .withKernelFragment("90-wireguard.config", this.source.file("kernel/90-wireguard.config"))
      .withStaticPod(this.source.file("pods/acme-heartbeat.yaml"))
      .withBinary(this.agent())
      .withOsRelease("Acme Node OS", "acme");
  }

  /**
   * acme-agent, Acme's node agent: a static executable built with kiOS's
   * pinned toolchain.
   *
   * @example dagger -m examples/acme-node call agent export --path=./acme-agent
   */
  @func()
  agent(): File {
    return dag
      .kios({ offline: this.offline, baseArchive: this.baseArchive, aptArchives: this.aptArchives, aptLists: this.aptLists })
      .toolchain({ packages: ["gcc", "libc6-dev"] })
      .withFile("/src/acme-agent.c", this.source.file("agent/acme-agent.c"))
      .withExec(["gcc", "-static", "-Os", "-s", "-o", "/acme-agent", "/src/acme-agent.c"])
      .file("/acme-agent");
  }

  /**
   * The Acme release: kiOS's `build` (signed UKI, modules, smoke-boot
   * report, SHA256SUMS) of Acme Node OS.
   *
   * @example dagger -m examples/acme-node call build --key=file:./db.key --cert=./db.crt export --path=out/acme
   * @param key Secure Boot signing key (PEM)
   * @param cert its certificate (PEM)
   * @param nonce any new value forces a fresh smoke boot instead of a cached one
   */
  @func()
  build(key: Secret, cert: File, nonce = ""): Directory {
    return this.distro().build(key, cert, { nonce });
  }
}
