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
  /** A rebuild that shares no build state with earlier builds (the reproducibility check's second build). */
  rebuild?: Rebuild;
}

/**
 * A rebuild: `nonce` goes into every build container's environment, so no
 * step's cached result is reused, and the caches `freshCaches` names are new
 * empty volumes (e.g. the kernel's build directory).
 */
export interface Rebuild {
  nonce: string;
  freshCaches: string[];
}

export function stageContext(inputs: ContextInputs): StageContext {
  const chosen = baseContainer(inputs.config, {
    override: inputs.base,
    offline: inputs.offline,
    archive: inputs.baseArchive,
  });
  const { rebuild } = inputs;
  const base = rebuild ? chosen.withEnvVariable("KIOS_REBUILD", rebuild.nonce) : chosen;
  return {
    config: inputs.config,
    source: inputs.source,
    toolchain: (packages) =>
      withDebianPackages(base, inputs.aptCaches, pinnedPackages(inputs.config.debian.packages, packages)),
    cache: (name, variant) => {
      const volume = variant ? `kios-${name}-${variant}` : `kios-${name}`;
      if (rebuild?.freshCaches.includes(name)) return dag.cacheVolume(`kios-rebuild-${rebuild.nonce}-${volume}`);
      return inputs.caches?.[name] ?? dag.cacheVolume(volume);
    },
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
