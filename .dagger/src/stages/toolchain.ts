/**
 * Debian packages on top of the base container, with apt caches kept in
 * Dagger cache volumes: modules/debian's implementation, with the root's
 * error naming the toolchain.
 */
import { Container } from "@dagger.io/dagger";
import type { AptCaches } from "../../../modules/debian/src/apt.js";
import { invalidPackages, withDebianPackages as install } from "../../../modules/debian/src/apt.js";

export type { AptCaches } from "../../../modules/debian/src/apt.js";
export { withDebianDownloads } from "../../../modules/debian/src/apt.js";

/**
 * Install `packages` (names, or `name=version` pins) with apt-get.
 * An empty list returns the base as it is.
 */
export function withDebianPackages(base: Container, caches: AptCaches, packages: string[]): Container {
  const [bad] = invalidPackages(packages);
  if (bad !== undefined) throw new Error(`toolchain: not a Debian package name or name=version pin: ${JSON.stringify(bad)}`);
  return install(base, caches, packages);
}
