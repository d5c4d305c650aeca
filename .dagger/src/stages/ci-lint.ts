/**
 * The checkers of the CI templates a kiOS user copies: actionlint (build.toml
 * [actionlint], built like the Go components) with Debian's shellcheck for
 * the workflows' `run:` scripts on ci/github/*.yml, and check-jsonschema
 * (build.toml [pypi.packages], hash-checked) with the GitLab CI schema it
 * carries on ci/gitlab/.gitlab-ci.yml.
 */
import { Container, Directory, ExecError, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { fetchGoModule, goBuildArgs, goWorkspace, OUT } from "./go.js";
import { pypiPackages, withPypiTools } from "./pypi.js";

/** Where the templates are in the source tree. */
export const githubWorkflows = ["ci/github/*.yml", "ci/github/*.yaml"];
export const gitlabPipeline = "ci/gitlab/.gitlab-ci.yml";

const WORK = "/templates";

/** actionlint, static, stamped with its version. */
export async function buildActionlint(ctx: StageContext): Promise<File> {
  const pin = ctx.config.actionlint;
  const source = await fetchGoModule(ctx, "actionlint", pin);
  const stamps = { "github.com/rhysd/actionlint.version": pin.version };
  return goWorkspace(ctx, source)
    .withExec(goBuildArgs({ pkg: "./cmd/actionlint", name: "actionlint", tags: [], stamps }))
    .file(`${OUT}/actionlint`);
}

/** A container with actionlint, shellcheck and check-jsonschema on PATH. */
export async function ciCheckers(ctx: StageContext): Promise<Container> {
  const python = await withPypiTools(ctx, ctx.toolchain([...pypiPackages, "shellcheck"]), ["check-jsonschema"]);
  return python.withFile("/usr/local/bin/actionlint", await buildActionlint(ctx), { permissions: 0o755 });
}

/**
 * Checks each `kind file` pair of its arguments (kind: github or gitlab): a
 * line per file, with the checker's output under a file it finds problems
 * in; exits 1 if any. check-jsonschema gets the flags of its own GitLab CI
 * hook (GitLab's YAML tags such as !reference, its regex dialect).
 */
const checkScript = `
echo "checkers: actionlint $(actionlint -version | head -n1), shellcheck $(shellcheck --version | sed -n 's/^version: //p'), check-jsonschema $(check-jsonschema --version | sed 's/.* //')"
status=0
report() {
  file=$1 checker=$2
  shift 2
  if out=$("$@" 2>&1); then
    echo "$file: $checker: ok"
  else
    status=1
    echo "$file: $checker found problems:"
    printf '%s\\n' "$out" | sed 's/^/  /'
  fi
}
while [ $# -gt 0 ]; do
  case $1 in
    github) report "$2" actionlint actionlint -no-color -shellcheck=shellcheck -pyflakes= "$2" ;;
    gitlab) report "$2" "check-jsonschema (GitLab CI schema)" \\
      check-jsonschema --builtin-schema vendor.gitlab-ci --data-transform gitlab-ci --regex-variant nonunicode "$2" ;;
  esac
  shift 2
done
exit $status
`;

/**
 * Run the checkers on the templates in `source`: the report, or an
 * ExecError (so `dagger call` exits 1) whose message is the report naming
 * each bad file and the checker's findings.
 */
export async function lintCiTemplates(ctx: StageContext, source: Directory): Promise<string> {
  const workflows = [...new Set((await Promise.all(githubWorkflows.map((p) => source.glob(p)))).flat())].sort();
  if (workflows.length === 0) throw new Error(`${githubWorkflows.join(", ")}: no GitHub Actions workflow to check`);
  if (!(await source.exists(gitlabPipeline))) throw new Error(`${gitlabPipeline}: no such file`);
  const pairs = [...workflows.flatMap((f) => ["github", f]), "gitlab", gitlabPipeline];
  const checked = (await ciCheckers(ctx))
    .withDirectory(WORK, source, { include: [...githubWorkflows, gitlabPipeline] })
    .withWorkdir(WORK)
    .withExec(["sh", "-c", checkScript, "check-ci", ...pairs]);
  try {
    return await checked.stdout();
  } catch (e) {
    if (!(e instanceof ExecError) || e.cmd[0] !== "sh") throw e;
    // Still an ExecError: the SDK then hands `dagger call` its exit code (a plain Error exits 0).
    const { cmd, exitCode, stdout, stderr, extensions } = e;
    throw new ExecError(`CI templates: problems found\n${stdout.trim()}`, { cmd, exitCode, stdout, stderr, extensions, cause: e });
  }
}
