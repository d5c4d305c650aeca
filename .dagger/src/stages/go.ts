/**
 * What every Go stage shares, from modules/go-build: the builder container
 * with the Go toolchain that build.toml's [go] pins, the fetch of a pinned
 * module from the Go module proxy with its go.sum hash checked against
 * build.toml, and the workspace that builds it with the module and build
 * caches mounted. Errors name the build.toml key.
 */
import { Container, Directory } from "@dagger.io/dagger";
import {
  fetchGoModule as fetchModule,
  GO_BUILD_PACKAGES,
  goBuilder as builder,
  GoBuildSettings,
  GoModuleDownloadError,
  GoSumMismatchError,
  goWorkspace as workspace,
} from "../../../modules/go-build/src/go.js";
import { NoLocalReplacesError, PublishedModulesError, withPublishedReplaces as withPublished } from "../../../modules/go-build/src/replaces.js";
import type { BuildConfig } from "../config/index.js";
import type { StageContext } from "../context.js";

export { goBuildArgs, OUT, SRC } from "../../../modules/go-build/src/go.js";

/** A Go module pinned by build.toml: module path, version, go.sum hash of its zip. */
export type GoModulePin = BuildConfig["containerd"];

/** The build.toml tables that pin a Go module; errors name them. */
export type GoPinKey = "containerd" | "runc" | "kubernetes" | "etcd" | "cni_plugins" | "actionlint" | "syft";

/** A pinned module's files, fetched and verified. */
export interface GoModuleSource {
  key: GoPinKey;
  pin: GoModulePin;
  /** The module's files as the module zip has them (read-only modes). */
  dir: Directory;
}

/** Debian packages of the Go builder: cgo (runc) needs a C toolchain and libseccomp. */
export const goPackages = [...GO_BUILD_PACKAGES, "libseccomp-dev", "pkg-config"];

/** modules/go-build's inputs from build.toml and the stage context. */
function goSettings(ctx: StageContext): GoBuildSettings {
  return {
    toolchain: ctx.toolchain(goPackages),
    goroot: "/usr/local/go",
    goVersion: ctx.config.go.toolchain,
    goVersionName: "build.toml: go.toolchain",
    modCache: ctx.cache("go-mod"),
    buildCache: ctx.cache("go-build"),
    sourceDateEpoch: ctx.config.reproducible.source_date_epoch,
  };
}

/** The Go builder: build.toml's go.toolchain first on PATH, GOTOOLCHAIN=local. */
export function goBuilder(ctx: StageContext): Container {
  return builder(goSettings(ctx));
}

/**
 * Download `pin` from the Go module proxy (the go command checks it against
 * the checksum database) and check its hash against build.toml: a mismatch
 * fails naming `<key>.sum`.
 */
export async function fetchGoModule(ctx: StageContext, key: GoPinKey, pin: GoModulePin): Promise<GoModuleSource> {
  try {
    return { key, pin, dir: await fetchModule(goSettings(ctx), pin.module, pin.version, pin.sum) };
  } catch (e) {
    if (e instanceof GoModuleDownloadError) {
      throw new Error(`build.toml: ${key}: cannot download ${e.ref} from the Go module proxy: ${e.reason}`);
    }
    if (e instanceof GoSumMismatchError) {
      throw new Error(
        `build.toml: ${key}.sum: expected the go.sum hash of ${e.ref}, found ${JSON.stringify(e.expected)}; ` +
          `the Go module proxy and checksum database give ${JSON.stringify(e.found)}`,
      );
    }
    throw e;
  }
}

/**
 * The builder with `source` at /src as the working directory, the module and
 * build caches mounted, cgo off unless a stage turns it on, SOURCE_DATE_EPOCH
 * from build.toml.
 */
export function goWorkspace(ctx: StageContext, source: GoModuleSource): Container {
  return workspace(goSettings(ctx), source.dir);
}

/**
 * The workspace with go.mod's replaces into `localPrefix` (sibling modules
 * the module zip does not carry: ./staging/... for Kubernetes, ../api for
 * etcd) dropped, and those modules required at their published `version`
 * instead. `what` names them in errors.
 */
export async function withPublishedReplaces(
  ctx: StageContext,
  source: GoModuleSource,
  localPrefix: string,
  version: string,
  what: string,
): Promise<Container> {
  try {
    return await withPublished(goWorkspace(ctx, source), localPrefix, version);
  } catch (e) {
    if (e instanceof NoLocalReplacesError) {
      throw new Error(`build.toml: ${source.key}: ${source.pin.module}@${source.pin.version}'s go.mod requires no ${localPrefix} module`);
    }
    if (e instanceof PublishedModulesError) {
      throw new Error(`build.toml: ${source.key}.version: ${what} at ${version} cannot be had from the Go module proxy: ${e.reason}`);
    }
    throw e;
  }
}
