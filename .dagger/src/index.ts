/**
 * kiOS: a minimal Kubernetes node OS. Every build stage is a function of this
 * module; `dagger call build` runs them all.
 */
import { argument, CacheVolume, Container, dag, Directory, func, object } from "@dagger.io/dagger";
import { baseContainer } from "./base.js";
import { BuildConfig, parseBuildConfig } from "./config/index.js";
import { StageContext, stageContext } from "./context.js";
import { withDebianPackages } from "./stages/toolchain.js";

/** The kiOS build: pinned sources in, a signed UKI out; each stage callable alone. */
@object()
export class Kios {
  source: Directory;
  offline: boolean;
  base?: Container;
  aptArchives: CacheVolume;
  aptLists: CacheVolume;

  /**
   * @param source the kiOS source tree (build.toml, init/, kernel/, manifests/)
   * @param offline import the base image from the host (build.toml base.offline_archive, made by ci/base-image.sh) instead of pulling it from a registry
   * @param base a base build container that replaces build.toml's [base] entirely
   * @param aptArchives cache volume for downloaded Debian packages
   * @param aptLists cache volume for apt's package lists
   */
  constructor(
    @argument({ defaultPath: "/", ignore: ["node_modules", "out", ".git"] }) source: Directory,
    offline = false,
    base?: Container,
    aptArchives?: CacheVolume,
    aptLists?: CacheVolume,
  ) {
    this.source = source;
    this.offline = offline;
    this.base = base;
    this.aptArchives = aptArchives ?? dag.cacheVolume("kios-apt-archives");
    this.aptLists = aptLists ?? dag.cacheVolume("kios-apt-lists");
  }

  /**
   * The base build container (Debian trixie) with the given Debian packages
   * installed: at the version build.toml's [debian.packages] pins where it
   * pins one, else as given (a name, or name=version).
   *
   * @example dagger call toolchain --packages=gcc,make with-exec --args=gcc,--version stdout
   * @param packages Debian package names, or name=version pins
   */
  @func()
  async toolchain(packages: string[] = []): Promise<Container> {
    const config = await this.loadConfig();
    const pins = config.debian.packages;
    return withDebianPackages(
      baseContainer(config, { override: this.base, offline: this.offline }),
      { archives: this.aptArchives, lists: this.aptLists },
      packages.map((p) => (p in pins ? `${p}=${pins[p]}` : p)),
    );
  }

  /**
   * build.toml after validation, as JSON.
   *
   * @example dagger call config
   */
  @func()
  async config(): Promise<string> {
    return JSON.stringify(await this.loadConfig(), null, 2);
  }

  private async context(): Promise<StageContext> {
    return stageContext({
      config: await this.loadConfig(),
      source: this.source,
      base: this.base,
      offline: this.offline,
      aptCaches: { archives: this.aptArchives, lists: this.aptLists },
    });
  }

  private async loadConfig(): Promise<BuildConfig> {
    return parseBuildConfig(await this.source.file("build.toml").contents(), "build.toml");
  }
}
