/** Debian packages on top of a base container, with apt caches kept in Dagger cache volumes. */
import { CacheSharingMode, CacheVolume, Container } from "@dagger.io/dagger";

/** apt's download and package-list caches. */
export interface AptCaches {
  archives: CacheVolume;
  lists: CacheVolume;
}

/** What apt accepts here: a package name, or a `name=version` pin. */
const PACKAGE_SPEC = /^[a-z0-9][a-z0-9+.-]*(=[A-Za-z0-9.+~:-]+)?$/;

/** The entries of `packages` that are neither a Debian package name nor a `name=version` pin. */
export function invalidPackages(packages: string[]): string[] {
  return packages.filter((p) => !PACKAGE_SPEC.test(p));
}

/** Fails naming the first entry of `packages` that is not a package name or pin. */
export function checkPackages(packages: string[]): void {
  const [bad] = invalidPackages(packages);
  if (bad !== undefined) throw new Error(`debian: not a Debian package name or name=version pin: ${JSON.stringify(bad)}`);
}

/**
 * Install `packages` (names, or `name=version` pins) with apt-get.
 * An empty list returns the base as it is.
 */
export function withDebianPackages(base: Container, caches: AptCaches, packages: string[]): Container {
  if (packages.length === 0) return base;
  checkPackages(packages);
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
    // Unmount the caches: later (long) commands must not hold their locks.
    .withoutMount("/var/cache/apt/archives")
    .withoutMount("/var/lib/apt/lists");
}

/** Download .deb files (names or name=version pins) into `dir` without installing them. */
export function withDebianDownloads(base: Container, caches: AptCaches, pins: string[], dir: string): Container {
  return base
    .withMountedCache("/var/lib/apt/lists", caches.lists, { sharing: CacheSharingMode.Locked })
    .withWorkdir(dir)
    .withExec(["sh", "-ec", 'chown _apt . 2>/dev/null || chmod 777 .; apt-get update -qq; apt-get download -qq "$@"', "apt-get", ...pins])
    .withoutMount("/var/lib/apt/lists");
}
