/**
 * What every Go stage shares: the builder container with the Go toolchain
 * that build.toml's [go] pins, the fetch of a pinned module from the Go
 * module proxy with its go.sum hash checked against build.toml, and the
 * workspace that builds it with the module and build caches mounted.
 */
import { Container, Directory, ExecError } from "@dagger.io/dagger";
import type { BuildConfig } from "../config/index.js";
import type { StageContext } from "../context.js";

/** A Go module pinned by build.toml: module path, version, go.sum hash of its zip. */
export type GoModulePin = BuildConfig["containerd"];

/** The build.toml tables that pin a Go module; errors name them. */
export type GoPinKey = "containerd" | "runc" | "kubernetes" | "etcd" | "cni_plugins" | "actionlint";

/** A pinned module's files, fetched and verified. */
export interface GoModuleSource {
  key: GoPinKey;
  pin: GoModulePin;
  /** The module's files as the module zip has them (read-only modes). */
  dir: Directory;
}

/** Debian packages of the Go builder: cgo (runc) needs a C toolchain and libseccomp. */
export const goPackages = ["golang-go", "gcc", "libc6-dev", "libseccomp-dev", "pkg-config"];

const GOROOT = "/usr/local/go";
const GOMODCACHE = "/go/pkg/mod";
const GOCACHE = "/root/.cache/go-build";
/** Where a module's source is built. */
export const SRC = "/src";
/** Where the Go stages leave their binaries. */
export const OUT = "/out";

/**
 * The Go builder: Debian's golang-go only bootstraps; GOTOOLCHAIN makes it
 * fetch golang.org/toolchain at build.toml's go.toolchain from the proxy,
 * which the go command verifies with the Go checksum database. The fetched
 * GOROOT is copied into the container (so it is part of a cached layer, not
 * of a cache volume) and put first on PATH, with GOTOOLCHAIN=local after.
 */
export function goBuilder(ctx: StageContext): Container {
  const toolchain = ctx.config.go.toolchain;
  return ctx
    .toolchain(goPackages)
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
      [ "$found" = "$1" ] || { echo "build.toml: go.toolchain: expected $1, the fetched toolchain is $found" >&2; exit 1; }`,
      "sh",
      toolchain,
    ])
    .withEnvVariable("PATH", `${GOROOT}/bin:\${PATH}`, { expand: true })
    .withEnvVariable("GOTOOLCHAIN", "local");
}

/**
 * Download `pin` from the Go module proxy (the go command checks it against
 * the checksum database) and check its hash against build.toml: a mismatch
 * fails naming `<key>.sum`. The download goes to a directory of its own, not
 * the module cache volume, so the source lands in a content-addressed layer.
 */
export async function fetchGoModule(ctx: StageContext, key: GoPinKey, pin: GoModulePin): Promise<GoModuleSource> {
  const ref = `${pin.module}@${pin.version}`;
  const fetched = goBuilder(ctx)
    .withEnvVariable("GOMODCACHE", "/tmp/fetch")
    .withWorkdir("/tmp")
    .withExec(["go", "mod", "download", "-json", ref]);
  let info: { Dir?: string; Sum?: string; Error?: string };
  try {
    info = JSON.parse(await fetched.stdout());
  } catch (e) {
    const why = e instanceof ExecError ? downloadError(e) : (e as Error).message;
    throw new Error(`build.toml: ${key}: cannot download ${ref} from the Go module proxy: ${why}`);
  }
  if (info.Sum !== pin.sum) {
    throw new Error(
      `build.toml: ${key}.sum: expected the go.sum hash of ${ref}, found ${JSON.stringify(pin.sum)}; ` +
        `the Go module proxy and checksum database give ${JSON.stringify(info.Sum)}`,
    );
  }
  return { key, pin, dir: fetched.directory(info.Dir!) };
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
 * unless a stage turns it on, SOURCE_DATE_EPOCH from build.toml.
 */
export function goWorkspace(ctx: StageContext, source: GoModuleSource): Container {
  return goBuilder(ctx)
    .withMountedCache(GOMODCACHE, ctx.cache("go-mod"))
    .withMountedCache(GOCACHE, ctx.cache("go-build"))
    .withEnvVariable("GOMODCACHE", GOMODCACHE)
    .withEnvVariable("GOCACHE", GOCACHE)
    .withEnvVariable("GOFLAGS", "-mod=readonly")
    .withEnvVariable("GOWORK", "off")
    .withEnvVariable("CGO_ENABLED", "0")
    .withEnvVariable("SOURCE_DATE_EPOCH", String(ctx.config.reproducible.source_date_epoch))
    .withDirectory(SRC, source.dir)
    .withWorkdir(SRC)
    .withExec(["mkdir", "-p", OUT]);
}

/** `go build` of `pkg` to /out/<name>: trimmed paths, stripped, with the given tags and -X stamps. */
export function goBuildArgs(opts: { pkg: string; name: string; tags: string[]; stamps: Record<string, string>; ldflags?: string[] }): string[] {
  const stamps = Object.entries(opts.stamps).map(([name, value]) => `-X '${name}=${value}'`);
  const ldflags = ["-s", "-w", ...stamps, ...(opts.ldflags ?? [])].join(" ");
  return ["go", "build", "-trimpath", "-buildvcs=false", "-tags", opts.tags.join(","), "-ldflags", ldflags, "-o", `${OUT}/${opts.name}`, opts.pkg];
}

interface GoModJson {
  Require: { Path: string }[] | null;
  Replace: { Old: { Path: string }; New: { Path: string } }[] | null;
}

/**
 * The workspace with go.mod's replaces into `localPrefix` (sibling modules
 * the module zip does not carry: ./staging/... for Kubernetes, ../api for
 * etcd) dropped, and those modules required at their published `version`
 * instead; `go mod download` adds their go.sum lines, verified by the
 * checksum database. `what` names them in errors.
 */
export async function withPublishedReplaces(
  ctx: StageContext,
  source: GoModuleSource,
  localPrefix: string,
  version: string,
  what: string,
): Promise<Container> {
  const workspace = goWorkspace(ctx, source);
  const mod: GoModJson = JSON.parse(await workspace.withExec(["go", "mod", "edit", "-json"]).stdout());
  const required = new Set((mod.Require ?? []).map((r) => r.Path));
  const local = (mod.Replace ?? []).filter((r) => r.New.Path.startsWith(localPrefix)).map((r) => r.Old.Path);
  const needed = local.filter((path) => required.has(path));
  if (needed.length === 0) {
    throw new Error(`build.toml: ${source.key}: ${source.pin.module}@${source.pin.version}'s go.mod requires no ${localPrefix} module`);
  }
  const edits = [...local.map((p) => `-dropreplace=${p}`), ...needed.map((p) => `-require=${p}@${version}`)];
  const rewritten = workspace
    .withExec(["go", "mod", "edit", ...edits])
    .withExec(["go", "mod", "download", ...needed.map((p) => `${p}@${version}`)]);
  try {
    return await rewritten.sync();
  } catch (e) {
    const why = e instanceof ExecError ? e.stderr.trim() : (e as Error).message;
    throw new Error(`build.toml: ${source.key}.version: ${what} at ${version} cannot be had from the Go module proxy: ${why}`);
  }
}
