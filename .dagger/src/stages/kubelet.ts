/**
 * The kubelet from k8s.io/kubernetes at build.toml's [kubernetes] pin:
 * static (cgo off), trimmed, stripped, version stamped the way
 * hack/lib/version.sh does. The module's go.mod replaces the k8s.io staging
 * modules with ./staging/src/... directories that its zip does not carry:
 * those replaces become requirements of the published staging modules
 * (v0.X.Y for v1.X.Y), whose hashes the checksum database verifies.
 * patches/kubelet is applied first (the node shutdown manager talks to PID
 * 1's system socket instead of logind), and its tests run before the build.
 */
import { Container, Directory, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { fetchGoModule, goBuildArgs, GoModulePin, GoModuleSource, OUT, withPublishedReplaces } from "./go.js";

/** hack/lib/golang.sh's tags for a non-debug build. */
export const kubernetesTags = ["selinux", "notest", "grpcnotrace"];

export async function buildKubelet(ctx: StageContext, pin: GoModulePin = ctx.config.kubernetes): Promise<File> {
  const source = patchedSource(ctx, await fetchGoModule(ctx, "kubernetes", pin), ctx.source.directory("patches/kubelet"));
  return (await withPublishedStaging(ctx, source))
    .withExec(["go", "test", "-count=1", ...kubeletPatchTests])
    .withExec(goBuildArgs({ pkg: "./cmd/kubelet", name: "kubelet", tags: kubernetesTags, stamps: kubernetesVersionStamps(ctx, pin) }))
    .file(`${OUT}/kubelet`);
}

/** The packages patches/kubelet changes, whose tests (theirs and the patches') run before the build. */
export const kubeletPatchTests = ["./pkg/kubelet/nodeshutdown/..."];

/**
 * `source` with every patch of `patches` (*.patch, in name order) applied
 * with no fuzz: a patch that does not apply exactly fails the stage.
 */
export function patchedSource(ctx: StageContext, source: GoModuleSource, patches: Directory): GoModuleSource {
  const dir = ctx
    .toolchain(["patch"])
    .withDirectory("/src", source.dir)
    .withDirectory("/patches", patches, { include: ["*.patch"] })
    .withWorkdir("/src")
    .withExec([
      "sh",
      "-ec",
      'chmod -R u+w .; for p in /patches/*.patch; do echo "applying $p"; patch -p1 --forward --fuzz=0 --no-backup-if-mismatch -i "$p"; done',
    ])
    .directory("/src");
  return { ...source, dir };
}

/** The -X stamps hack/lib/version.sh gives every Kubernetes binary. */
export function kubernetesVersionStamps(ctx: StageContext, pin: GoModulePin): Record<string, string> {
  const [, major, minor] = /^v(\d+)\.(\d+)\.\d+$/.exec(pin.version)!;
  const buildDate = new Date(ctx.config.reproducible.source_date_epoch * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  const vars = { gitVersion: pin.version, gitMajor: major, gitMinor: minor, gitTreeState: "clean", buildDate };
  const stamps: Record<string, string> = {};
  for (const pkg of ["k8s.io/client-go/pkg/version", "k8s.io/component-base/version"]) {
    for (const [name, value] of Object.entries(vars)) stamps[`${pkg}.${name}`] = value;
  }
  return stamps;
}

/** The staging modules' published version for a Kubernetes release: v1.36.3 -> v0.36.3. */
export function stagingVersion(version: string): string {
  const m = /^v1\.(\d+\.\d+)$/.exec(version);
  if (!m) throw new Error(`build.toml: kubernetes.version: expected a Kubernetes v1.X.Y release, found ${JSON.stringify(version)}`);
  return `v0.${m[1]}`;
}

/**
 * The workspace with go.mod's ./staging replaces dropped and the staging
 * modules required at their published version instead (withPublishedReplaces).
 */
export function withPublishedStaging(ctx: StageContext, source: GoModuleSource): Promise<Container> {
  return withPublishedReplaces(ctx, source, "./staging/", stagingVersion(source.pin.version), "the staging modules");
}
