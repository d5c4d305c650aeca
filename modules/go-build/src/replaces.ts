/**
 * Modules whose go.mod replaces sibling modules with local directories the
 * module zip does not carry (./staging/... for Kubernetes, ../api for etcd):
 * build them against the siblings' published versions instead.
 */
import { Container, ExecError } from "@dagger.io/dagger";

interface GoModJson {
  Require: { Path: string }[] | null;
  Replace: { Old: { Path: string }; New: { Path: string } }[] | null;
}

/** go.mod has no replace into the local prefix for a module it requires. */
export class NoLocalReplacesError extends Error {
  constructor(readonly localPrefix: string) {
    super(`go.mod requires no ${localPrefix} module`);
  }
}

/** The replaced modules are not on the proxy at the published version. */
export class PublishedModulesError extends Error {
  constructor(
    readonly localPrefix: string,
    readonly version: string,
    readonly reason: string,
  ) {
    super(`the modules go.mod replaces with ${localPrefix}... at ${version} cannot be had from the Go module proxy: ${reason}`);
  }
}

/**
 * `workspace` (goWorkspace: the module at its working directory) with
 * go.mod's replaces into `localPrefix` dropped, and those modules required
 * at their published `version` instead; `go mod download` adds their go.sum
 * lines, verified by the checksum database. Fails with NoLocalReplacesError
 * or PublishedModulesError.
 */
export async function withPublishedReplaces(workspace: Container, localPrefix: string, version: string): Promise<Container> {
  const mod: GoModJson = JSON.parse(await workspace.withExec(["go", "mod", "edit", "-json"]).stdout());
  const required = new Set((mod.Require ?? []).map((r) => r.Path));
  const local = (mod.Replace ?? []).filter((r) => r.New.Path.startsWith(localPrefix)).map((r) => r.Old.Path);
  const needed = local.filter((path) => required.has(path));
  if (needed.length === 0) throw new NoLocalReplacesError(localPrefix);
  const edits = [...local.map((p) => `-dropreplace=${p}`), ...needed.map((p) => `-require=${p}@${version}`)];
  const rewritten = workspace
    .withExec(["go", "mod", "edit", ...edits])
    .withExec(["go", "mod", "download", ...needed.map((p) => `${p}@${version}`)]);
  try {
    return await rewritten.sync();
  } catch (e) {
    throw new PublishedModulesError(localPrefix, version, e instanceof ExecError ? e.stderr.trim() : (e as Error).message);
  }
}
