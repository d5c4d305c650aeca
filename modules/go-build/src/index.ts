/**
 * Static Go binaries from the Go module proxy: a module fetched at a version
 * and checked against its go.sum hash, built with a pinned Go toolchain.
 */
import { CacheVolume, Container, dag, Directory, func, object } from "@dagger.io/dagger";
import { binaryName, fetchGoModule, GO_BUILD_PACKAGES, goBuildArgs, GoBuildSettings, goWorkspace, OUT } from "./go.js";
import { withPublishedReplaces } from "./replaces.js";

/** Where this module puts the Go toolchain it builds with. */
const GOROOT = "/opt/go";

/** Go builds of modules from the Go module proxy, hash-checked, with a pinned Go toolchain. */
@object()
export class GoBuild {
  toolchain: Container;
  goVersion: string;
  modCache: CacheVolume;
  buildCache: CacheVolume;
  sourceDateEpoch: number;

  /**
   * @param toolchain a container with a go command that bootstraps goVersion (Debian's golang-go, see packages(), or a golang image); gcc and libc6-dev for cgo builds
   * @param goVersion the Go toolchain to build with, e.g. go1.26.8: fetched from the Go module proxy and verified by the Go checksum database
   * @param modCache cache volume for Go's module cache (default: go-build-mod)
   * @param buildCache cache volume for Go's build cache (default: go-build-cache)
   * @param sourceDateEpoch SOURCE_DATE_EPOCH of the builds, in seconds
   */
  constructor(toolchain: Container, goVersion: string, modCache?: CacheVolume, buildCache?: CacheVolume, sourceDateEpoch = 0) {
    this.toolchain = toolchain;
    this.goVersion = goVersion;
    this.modCache = modCache ?? dag.cacheVolume("go-build-mod");
    this.buildCache = buildCache ?? dag.cacheVolume("go-build-cache");
    this.sourceDateEpoch = sourceDateEpoch;
  }

  /**
   * The Debian packages the toolchain container needs: golang-go, and gcc
   * and libc6-dev for cgo.
   *
   * @example dagger -m modules/go-build call --toolchain=golang:1.26-trixie --go-version=go1.26.8 packages
   */
  @func()
  packages(): string[] {
    return [...GO_BUILD_PACKAGES];
  }

  /**
   * The files of `module` at `version` from the Go module proxy (read-only
   * modes), checked against the checksum database and against `sum`: a
   * mismatch fails naming the module and both hashes.
   *
   * @example dagger -m modules/go-build call --toolchain=golang:1.26-trixie --go-version=go1.26.8 source --module=github.com/rhysd/actionlint --version=v1.7.12 --sum=h1:vQ4GeJN86C0QH+gTUQcs8McmK62OLT3kmakPMtEWYnY= entries
   * @param module the module path, e.g. github.com/rhysd/actionlint
   * @param version the module version, e.g. v1.7.12
   * @param sum the go.sum hash of the module zip (h1:...)
   */
  @func()
  async source(module: string, version: string, sum: string): Promise<Directory> {
    return fetchGoModule(this.settings(), module, version, sum);
  }

  /**
   * The builder with `source` at /src as the working directory: Go at
   * goVersion first on PATH, the module and build caches mounted,
   * GOFLAGS=-mod=readonly, GOWORK=off, CGO_ENABLED=0, SOURCE_DATE_EPOCH, an
   * empty /out. With localReplaces, go.mod's replaces into that prefix (sibling
   * modules the module zip lacks) become requirements of those modules at
   * publishedVersion.
   *
   * @example dagger -m modules/go-build call --toolchain=golang:1.26-trixie --go-version=go1.26.8 workspace --source=. with-exec --args=go,vet,./... stdout
   * @param source a Go module's files (e.g. from source())
   * @param localReplaces a go.mod replace target prefix to drop, e.g. ./staging/ or ../
   * @param publishedVersion with localReplaces: the version to require the replaced modules at
   */
  @func()
  async workspace(source: Directory, localReplaces?: string, publishedVersion?: string): Promise<Container> {
    const workspace = goWorkspace(this.settings(), source);
    if (localReplaces === undefined && publishedVersion === undefined) return workspace;
    if (!localReplaces || !publishedVersion) throw new Error("go-build: workspace: localReplaces and publishedVersion go together");
    return withPublishedReplaces(workspace, localReplaces, publishedVersion);
  }

  /**
   * Binaries of `packages` of `module` at `version` (its go.sum hash
   * checked against `sum`), each named like the go command names it:
   * static unless cgo, trimmed paths, stripped (-s -w), no VCS stamp.
   *
   * @example dagger -m modules/go-build call --toolchain=golang:1.26-trixie --go-version=go1.26.8 build --module=github.com/rhysd/actionlint --version=v1.7.12 --sum=h1:vQ4GeJN86C0QH+gTUQcs8McmK62OLT3kmakPMtEWYnY= --packages=./cmd/actionlint --ldflags=-X,github.com/rhysd/actionlint.version=v1.7.12 export --path=./out
   * @param module the module path, e.g. github.com/rhysd/actionlint
   * @param version the module version, e.g. v1.7.12
   * @param sum the go.sum hash of the module zip (h1:...)
   * @param packages the main packages to build, as directories of the module: "." or "./cmd/name"
   * @param tags build tags
   * @param ldflags linker flags after -s -w, e.g. -X,main.version=v1
   * @param cgo build with cgo (CGO_ENABLED=1): the toolchain then needs a C compiler and libc; for a static binary add -linkmode,external,-extldflags,-static to ldflags
   */
  @func()
  async build(
    module: string,
    version: string,
    sum: string,
    packages: string[],
    tags: string[] = [],
    ldflags: string[] = [],
    cgo = false,
  ): Promise<Directory> {
    if (packages.length === 0) throw new Error("go-build: build: no packages given");
    const names = packages.map((pkg) => binaryName(module, pkg));
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice) throw new Error(`go-build: build: two packages make a binary named ${twice}`);
    let workspace = goWorkspace(this.settings(), await this.source(module, version, sum));
    if (cgo) workspace = workspace.withEnvVariable("CGO_ENABLED", "1");
    packages.forEach((pkg, i) => {
      workspace = workspace.withExec(goBuildArgs({ pkg, name: names[i]!, tags, stamps: {}, ldflags }));
    });
    return workspace.directory(OUT);
  }

  private settings(): GoBuildSettings {
    return {
      toolchain: this.toolchain,
      goroot: GOROOT,
      goVersion: this.goVersion,
      goVersionName: "go-build: goVersion",
      modCache: this.modCache,
      buildCache: this.buildCache,
      sourceDateEpoch: this.sourceDateEpoch,
    };
  }
}
