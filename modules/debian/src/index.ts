/**
 * Debian packages on a base container: installed with apt-get, or downloaded
 * as .deb files, with apt's caches kept in Dagger cache volumes.
 */
import { CacheVolume, Container, dag, Directory, func, object } from "@dagger.io/dagger";
import { checkPackages, withDebianDownloads, withDebianPackages } from "./apt.js";

/** Where download() leaves the .deb files in the container. */
const DOWNLOADS = "/downloads";

/** Debian packages for a Debian base container, apt's caches in cache volumes. */
@object()
export class Debian {
  base: Container;
  archives: CacheVolume;
  lists: CacheVolume;

  /**
   * @param base a Debian container (apt-get, dpkg) to install packages on or download them with
   * @param archives cache volume for downloaded .deb files (default: debian-apt-archives)
   * @param lists cache volume for apt's package lists (default: debian-apt-lists)
   */
  constructor(base: Container, archives?: CacheVolume, lists?: CacheVolume) {
    this.base = base;
    this.archives = archives ?? dag.cacheVolume("debian-apt-archives");
    this.lists = lists ?? dag.cacheVolume("debian-apt-lists");
  }

  /**
   * The base container with `packages` installed by apt-get (no recommended
   * packages). An empty list gives the base as it is.
   *
   * @example dagger -m modules/debian call --base=debian:trixie install --packages=gcc,make with-exec --args=gcc,--version stdout
   * @param packages Debian package names, or name=version pins
   */
  @func()
  install(packages: string[]): Container {
    return withDebianPackages(this.base, { archives: this.archives, lists: this.lists }, packages);
  }

  /**
   * The .deb files of `packages`, downloaded by apt-get without installing
   * them or their dependencies. An empty list gives an empty directory.
   *
   * @example dagger -m modules/debian call --base=debian:trixie download --packages=hello entries
   * @param packages Debian package names, or name=version pins
   */
  @func()
  download(packages: string[]): Directory {
    if (packages.length === 0) return dag.directory();
    checkPackages(packages);
    return withDebianDownloads(this.base, { archives: this.archives, lists: this.lists }, packages, DOWNLOADS).directory(DOWNLOADS);
  }
}
