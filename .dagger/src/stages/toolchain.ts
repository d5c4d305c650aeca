/** Debian packages on top of the base container, with apt caches kept in Dagger cache volumes. */
import { CacheSharingMode, CacheVolume, Container } from "@dagger.io/dagger";

export interface AptCaches {
  archives: CacheVolume;
  lists: CacheVolume;
}

/**
 * Install `packages` (names, or `name=version` pins) with apt-get.
 * An empty list returns the base as it is.
 */
export function withDebianPackages(base: Container, caches: AptCaches, packages: string[]): Container {
  if (packages.length === 0) return base;
  for (const p of packages) {
    if (!/^[a-z0-9][a-z0-9+.-]*(=[A-Za-z0-9.+~:-]+)?$/.test(p)) {
      throw new Error(`toolchain: not a Debian package name or name=version pin: ${JSON.stringify(p)}`);
    }
  }
  return base
    .withMountedCache("/var/cache/apt/archives", caches.archives, { sharing: CacheSharingMode.Locked })
    .withMountedCache("/var/lib/apt/lists", caches.lists, { sharing: CacheSharingMode.Locked })
    .withEnvVariable("DEBIAN_FRONTEND", "noninteractive")
    .withExec([
      "sh",
      "-ec",
      // Debian's container images delete downloaded .debs after each install: keep them in the cache.
      'rm -f /etc/apt/apt.conf.d/docker-clean; apt-get update -qq; apt-get install -y -qq --no-install-recommends "$@"',
      "apt-get",
      ...packages,
    ])
    // Unmount the caches: later (long) commands of the stage must not hold their locks.
    .withoutMount("/var/cache/apt/archives")
    .withoutMount("/var/lib/apt/lists");
}

/** Download .deb files (name=version pins) into `dir` without installing them. */
export function withDebianDownloads(base: Container, caches: AptCaches, pins: string[], dir: string): Container {
  return base
    .withMountedCache("/var/lib/apt/lists", caches.lists, { sharing: CacheSharingMode.Locked })
    .withWorkdir(dir)
    .withExec(["sh", "-ec", 'chown _apt . 2>/dev/null || chmod 777 .; apt-get update -qq; apt-get download -qq "$@"', "apt-get", ...pins])
    .withoutMount("/var/lib/apt/lists");
}
