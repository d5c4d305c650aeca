/** What every stage gets: validated config, the source tree, pinned toolchains, caches. */
import { CacheVolume, Container, dag, Directory, File } from "@dagger.io/dagger";
import { baseContainer } from "./base.js";
import type { BuildConfig } from "./config/index.js";
import { AptCaches, withDebianPackages } from "./stages/toolchain.js";

export interface StageContext {
  config: BuildConfig;
  /** The kiOS source tree (build.toml, init/, kernel/, manifests/...). */
  source: Directory;
  /**
   * The base container with Debian packages installed, each at the version
   * build.toml's [debian.packages] pins; an unpinned package is an error.
   */
  toolchain(packages: string[]): Container;
  /**
   * A named Dagger cache volume, shared by every build of this module; the
   * caller's volume of that name if it gave one. `variant` splits the
   * module's own volume (e.g. one kernel build directory per source).
   */
  cache(name: string, variant?: string): CacheVolume;
}

export interface ContextInputs {
  config: BuildConfig;
  source: Directory;
  base?: Container;
  offline: boolean;
  baseArchive?: File;
  aptCaches: AptCaches;
  /** Cache volumes given by the caller, by name (go-mod, go-build, kernel-ccache, kernel-build); the others are the module's own. */
  caches?: Record<string, CacheVolume | undefined>;
}

export function stageContext(inputs: ContextInputs): StageContext {
  const base = baseContainer(inputs.config, {
    override: inputs.base,
    offline: inputs.offline,
    archive: inputs.baseArchive,
  });
  return {
    config: inputs.config,
    source: inputs.source,
    toolchain: (packages) =>
      withDebianPackages(base, inputs.aptCaches, pinnedPackages(inputs.config.debian.packages, packages)),
    cache: (name, variant) => inputs.caches?.[name] ?? dag.cacheVolume(variant ? `kios-${name}-${variant}` : `kios-${name}`),
  };
}

/** name -> name=version from the pins; fails naming every unpinned package. */
export function pinnedPackages(pins: Record<string, string>, packages: string[]): string[] {
  const missing = packages.filter((p) => !(p in pins));
  if (missing.length) {
    throw new Error(`build.toml: debian.packages: no pinned version for ${missing.join(", ")}`);
  }
  return packages.map((p) => `${p}=${pins[p]}`);
}
