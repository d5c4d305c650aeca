/**
 * Go builds from the Go module proxy: the builder container with a pinned Go
 * toolchain, the fetch of a module with its go.sum hash checked, and the
 * workspace that builds it with the module and build caches mounted.
 */
import { CacheVolume, Container, Directory, ExecError } from "@dagger.io/dagger";

/** Debian packages the toolchain container needs: golang-go bootstraps the Go toolchain, gcc and libc6-dev serve cgo. */
export const GO_BUILD_PACKAGES = ["golang-go", "gcc", "libc6-dev"];

const GOMODCACHE = "/go/pkg/mod";
const GOCACHE = "/root/.cache/go-build";
/** Where a module's source is built. */
export const SRC = "/src";
/** Where builds leave their binaries. */
export const OUT = "/out";

/** What every Go build takes. */
export interface GoBuildSettings {
  /** A container with a go command (Debian's golang-go; gcc and libc6-dev for cgo). */
  toolchain: Container;
  /** Where the Go toolchain at goVersion goes in the container: a path that does not exist in `toolchain`. */
  goroot: string;
  /** The Go toolchain to build with, e.g. go1.24.5. */
  goVersion: string;
  /** How the toolchain check's error names goVersion, e.g. "goVersion". */
  goVersionName: string;
  /** Go's module cache. */
  modCache: CacheVolume;
  /** Go's build cache. */
  buildCache: CacheVolume;
  /** SOURCE_DATE_EPOCH of the builds. */
  sourceDateEpoch: number;
}

/** The proxy would not give the module. */
export class GoModuleDownloadError extends Error {
  constructor(
    readonly ref: string,
    readonly reason: string,
  ) {
    super(`cannot download ${ref} from the Go module proxy: ${reason}`);
  }
}

/** The module's go.sum hash is not the expected one. */
export class GoSumMismatchError extends Error {
  constructor(
    readonly ref: string,
    readonly expected: string,
    readonly found: string | undefined,
  ) {
    super(
      `${ref}: expected the go.sum hash ${JSON.stringify(expected)}; ` +
        `the Go module proxy and checksum database give ${JSON.stringify(found)}`,
    );
  }
}

/**
 * The Go builder: Debian's golang-go only bootstraps; GOTOOLCHAIN makes it
 * fetch golang.org/toolchain at goVersion from the proxy, which the go
 * command verifies with the Go checksum database. The fetched GOROOT is
 * copied to `goroot` in the container (so it is part of a cached layer, not
 * of a cache volume) and put first on PATH, with GOTOOLCHAIN=local after.
 */
export function goBuilder(settings: GoBuildSettings): Container {
  const GOROOT = settings.goroot;
  return settings.toolchain
    .withEnvVariable("GOPROXY", "https://proxy.golang.org")
    .withEnvVariable("GOSUMDB", "sum.golang.org")
    .withExec([
      "sh",
      "-ec",
      `goroot=$(GOTOOLCHAIN="$1" GOMODCACHE=/tmp/toolchain go env GOROOT)
      cp -a "$goroot" ${GOROOT}
      chmod -R u+w ${GOROOT}
      rm -rf /tmp/toolchain
      found=$(${GOROOT}/bin/go env GOVERSION)
      [ "$found" = "$1" ] || { echo "${settings.goVersionName}: expected $1, the fetched toolchain is $found" >&2; exit 1; }`,
      "sh",
      settings.goVersion,
    ])
    .withEnvVariable("PATH", `${GOROOT}/bin:\${PATH}`, { expand: true })
    .withEnvVariable("GOTOOLCHAIN", "local");
}

/**
 * Download `module@version` from the Go module proxy (the go command checks
 * it against the checksum database) and check its go.sum hash against
 * `sum`: GoModuleDownloadError or GoSumMismatchError otherwise. The download
 * goes to a directory of its own, not the module cache volume, so the source
 * lands in a content-addressed layer. The module's files have read-only modes.
 */
export async function fetchGoModule(settings: GoBuildSettings, module: string, version: string, sum: string): Promise<Directory> {
  const ref = `${module}@${version}`;
  const fetched = goBuilder(settings)
    .withEnvVariable("GOMODCACHE", "/tmp/fetch")
    .withWorkdir("/tmp")
    .withExec(["go", "mod", "download", "-json", ref]);
  let info: { Dir?: string; Sum?: string; Error?: string };
  try {
    info = JSON.parse(await fetched.stdout());
  } catch (e) {
    throw new GoModuleDownloadError(ref, e instanceof ExecError ? downloadError(e) : (e as Error).message);
  }
  if (info.Sum !== sum) throw new GoSumMismatchError(ref, sum, info.Sum);
  return fetched.directory(info.Dir!);
}

/** The go command's own error from `go mod download -json` output, else its stderr. */
function downloadError(e: ExecError): string {
  try {
    return JSON.parse(e.stdout).Error ?? e.stderr.trim();
  } catch {
    return e.stderr.trim() || e.message;
  }
}

/**
 * The builder with `source` at /src as the working directory, the module and
 * build caches mounted, and the settings every Go build shares: dependencies
 * only as the module's go.sum pins them (-mod=readonly, no go.work), cgo off
 * unless the caller turns it on, SOURCE_DATE_EPOCH, an empty /out.
 */
export function goWorkspace(settings: GoBuildSettings, source: Directory): Container {
  return goBuilder(settings)
    .withMountedCache(GOMODCACHE, settings.modCache)
    .withMountedCache(GOCACHE, settings.buildCache)
    .withEnvVariable("GOMODCACHE", GOMODCACHE)
    .withEnvVariable("GOCACHE", GOCACHE)
    .withEnvVariable("GOFLAGS", "-mod=readonly")
    .withEnvVariable("GOWORK", "off")
    .withEnvVariable("CGO_ENABLED", "0")
    .withEnvVariable("SOURCE_DATE_EPOCH", String(settings.sourceDateEpoch))
    .withDirectory(SRC, source)
    .withWorkdir(SRC)
    .withExec(["mkdir", "-p", OUT]);
}

/** `go build` of `pkg` to /out/<name>: trimmed paths, stripped, with the given tags and -X stamps. */
export function goBuildArgs(opts: { pkg: string; name: string; tags: string[]; stamps: Record<string, string>; ldflags?: string[] }): string[] {
  const stamps = Object.entries(opts.stamps).map(([name, value]) => `-X '${name}=${value}'`);
  const ldflags = ["-s", "-w", ...stamps, ...(opts.ldflags ?? [])].join(" ");
  return ["go", "build", "-trimpath", "-buildvcs=false", "-tags", opts.tags.join(","), "-ldflags", ldflags, "-o", `${OUT}/${opts.name}`, opts.pkg];
}

/**
 * The name the go command gives the binary of `pkg` ("." or "./path", a
 * directory of `module`): its last path element, skipping a major version
 * suffix (go.etcd.io/etcd/server/v3 -> server).
 */
export function binaryName(module: string, pkg: string): string {
  if (!/^\.(\/[\w.+-]+)*$/.test(pkg) || pkg.split("/").slice(1).some((p) => /^\.+$/.test(p))) {
    throw new Error(`${JSON.stringify(pkg)}: expected a main package directory of ${module}, "." or "./path/to/it"`);
  }
  const parts = (pkg === "." ? module : pkg).split("/");
  if (parts.length > 1 && /^v\d+$/.test(parts.at(-1)!)) parts.pop();
  return parts.at(-1)!;
}
