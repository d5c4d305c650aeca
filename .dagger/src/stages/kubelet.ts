/**
 * The kubelet from k8s.io/kubernetes at build.toml's [kubernetes] pin:
 * static (cgo off), trimmed, stripped, version stamped the way
 * hack/lib/version.sh does. The module's go.mod replaces the k8s.io staging
 * modules with ./staging/src/... directories that its zip does not carry:
 * those replaces become requirements of the published staging modules
 * (v0.X.Y for v1.X.Y), whose hashes the checksum database verifies.
 */
import { Container, ExecError, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { fetchGoModule, goBuildArgs, GoModulePin, GoModuleSource, goWorkspace, OUT } from "./go.js";

/** hack/lib/golang.sh's tags for a non-debug build. */
const tags = ["selinux", "notest", "grpcnotrace"];

interface GoModJson {
  Require: { Path: string }[] | null;
  Replace: { Old: { Path: string }; New: { Path: string } }[] | null;
}

export async function buildKubelet(ctx: StageContext, pin: GoModulePin = ctx.config.kubernetes): Promise<File> {
  const source = await fetchGoModule(ctx, "kubernetes", pin);
  const [, major, minor] = /^v(\d+)\.(\d+)\.\d+$/.exec(pin.version)!;
  const buildDate = new Date(ctx.config.reproducible.source_date_epoch * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  const vars = { gitVersion: pin.version, gitMajor: major, gitMinor: minor, gitTreeState: "clean", buildDate };
  const stamps: Record<string, string> = {};
  for (const pkg of ["k8s.io/client-go/pkg/version", "k8s.io/component-base/version"]) {
    for (const [name, value] of Object.entries(vars)) stamps[`${pkg}.${name}`] = value;
  }
  return (await withPublishedStaging(ctx, source))
    .withExec(goBuildArgs({ pkg: "./cmd/kubelet", name: "kubelet", tags, stamps }))
    .file(`${OUT}/kubelet`);
}

/** The staging modules' published version for a Kubernetes release: v1.36.3 -> v0.36.3. */
export function stagingVersion(version: string): string {
  const m = /^v1\.(\d+\.\d+)$/.exec(version);
  if (!m) throw new Error(`build.toml: kubernetes.version: expected a Kubernetes v1.X.Y release, found ${JSON.stringify(version)}`);
  return `v0.${m[1]}`;
}

/**
 * The workspace with go.mod's ./staging replaces dropped (go mod edit) and
 * the staging modules required at their published version instead; `go mod
 * download` adds their go.sum lines, verified by the checksum database.
 */
export async function withPublishedStaging(ctx: StageContext, source: GoModuleSource): Promise<Container> {
  const version = stagingVersion(source.pin.version);
  const workspace = goWorkspace(ctx, source);
  const mod: GoModJson = JSON.parse(await workspace.withExec(["go", "mod", "edit", "-json"]).stdout());
  const required = new Set((mod.Require ?? []).map((r) => r.Path));
  const staged = (mod.Replace ?? []).filter((r) => r.New.Path.startsWith("./staging/")).map((r) => r.Old.Path);
  const needed = staged.filter((path) => required.has(path));
  if (needed.length === 0) {
    throw new Error(`build.toml: kubernetes: ${source.pin.module}@${source.pin.version}'s go.mod requires no ./staging module`);
  }
  const edits = [...staged.map((p) => `-dropreplace=${p}`), ...needed.map((p) => `-require=${p}@${version}`)];
  const rewritten = workspace
    .withExec(["go", "mod", "edit", ...edits])
    .withExec(["go", "mod", "download", ...needed.map((p) => `${p}@${version}`)]);
  try {
    return await rewritten.sync();
  } catch (e) {
    const why = e instanceof ExecError ? e.stderr.trim() : (e as Error).message;
    throw new Error(`build.toml: kubernetes.version: the staging modules at ${version} cannot be had from the Go module proxy: ${why}`);
  }
}
