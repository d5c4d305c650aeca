/**
 * The CI templates a kiOS user copies (ci/github/build.yml,
 * ci/gitlab/.gitlab-ci.yml): `lintCi` passes them with the real checkers
 * (actionlint with shellcheck, GitLab's CI schema through check-jsonschema)
 * and fails a broken copy of each, naming the file and the problem, also
 * through the CLI; a tampered wheel hash fails the checker's install. The
 * templates call `build` with arguments the module has, and pin their
 * actions by commit and their images by version.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Kios } from "../../.dagger/src/index.js";
import { dagger, offlineArgs } from "../../offline-engine/dagger-call.js";
import { repoRoot } from "../../offline-engine/engine-env.js";
import { ModuleSchema, scanModule } from "../../offline-engine/module-schema.js";
import { withKios } from "../support/kios.js";

const githubPath = "ci/github/build.yml";
const gitlabPath = "ci/gitlab/.gitlab-ci.yml";
const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), "utf8");

/** The workflow with an unknown job key and a `run:` script shellcheck objects to. */
const brokenWorkflow = () =>
  read(githubPath)
    .replace("    runs-on: ubuntu-24.04", "    runs-onn: ubuntu-24.04")
    .replace("      - name: dagger call build", "      - run: echo $GITHUB_SHA\n      - name: dagger call build");
/** The pipeline with a misspelt job key. */
const brokenPipeline = () => read(gitlabPath).replace("  script:", "  scriptt:");

/** lintCi on the checkout with `edits` (path: text) applied: its report, or its error's message. */
async function lint(edits: Record<string, string> = {}): Promise<{ report?: string; error?: string }> {
  return withKios(async (kios) => {
    let source = kios.source;
    for (const [file, text] of Object.entries(edits)) source = source.withNewFile(file, text);
    try {
      return { report: await kios.lintCi(source) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  });
}

describe("CI templates, checked by actionlint and GitLab's CI schema", () => {
  it("passes both templates, reporting the checkers' versions", async () => {
    const { report, error } = await lint();
    expect(error).toBeUndefined();
    expect(report).toMatch(/^checkers: actionlint v1\.7\.12, shellcheck 0\.10\.0, check-jsonschema 0\.39\.0$/m);
    expect(report).toContain(`${githubPath}: actionlint: ok`);
    expect(report).toContain(`${gitlabPath}: check-jsonschema (GitLab CI schema): ok`);
  }, 30 * 60_000);

  it("fails a broken workflow, naming the file, the unknown key and shellcheck's finding", async () => {
    const { report, error } = await lint({ [githubPath]: brokenWorkflow() });
    expect(report).toBeUndefined();
    expect(error).toContain(`${githubPath}: actionlint found problems:`);
    expect(error).toMatch(/ci\/github\/build\.yml:\d+:\d+: unexpected key "runs-onn" for "job" section/);
    expect(error).toMatch(/ci\/github\/build\.yml:\d+:\d+: shellcheck reported issue in this script: SC2086:/);
    expect(error).toContain(`${gitlabPath}: check-jsonschema (GitLab CI schema): ok`);
  }, 10 * 60_000);

  it("fails a broken pipeline, naming the file and the misspelt key", async () => {
    const { report, error } = await lint({ [gitlabPath]: brokenPipeline() });
    expect(report).toBeUndefined();
    expect(error).toContain(`${gitlabPath}: check-jsonschema (GitLab CI schema) found problems:`);
    expect(error).toMatch(/ci\/gitlab\/\.gitlab-ci\.yml::\$\.build: Additional properties are not allowed \('scriptt' was unexpected\)/);
    expect(error).toContain(`${githubPath}: actionlint: ok`);
  }, 10 * 60_000);

  it("refuses a wheel whose sha256 is not build.toml's, naming the pin table", async () => {
    const toml = read("build.toml");
    const idna = /^idna = \{ version = "[^"]+", sha256 = "([0-9a-f]{64})" \}$/m.exec(toml)!;
    const error = await withKios(async (kios) => {
      const tampered = new Kios(kios.source.withNewFile("build.toml", toml.replace(idna[1], "0".repeat(64))), true);
      return tampered.lintCi().then(() => undefined, (e: Error) => e.message);
    });
    expect(error).toMatch(/^build\.toml: pypi\.packages: .*pip install failed: ERROR: THESE PACKAGES DO NOT MATCH THE HASHES/);
    expect(error).toContain(`Got        ${idna[1]}`);
  }, 10 * 60_000);

  describe("through the CLI", () => {
    let tmp: string;
    beforeAll(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kios-ci-lint-"));
      fs.mkdirSync(path.join(tmp, "ci/github"), { recursive: true });
      fs.mkdirSync(path.join(tmp, "ci/gitlab"), { recursive: true });
      fs.writeFileSync(path.join(tmp, githubPath), read(githubPath));
      fs.writeFileSync(path.join(tmp, gitlabPath), brokenPipeline());
    });
    afterAll(() => {
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("exits 1 on a broken template (`dagger call lint-ci --source=...`)", async () => {
      const run = await dagger(["call", ...offlineArgs(), "lint-ci", `--source=${tmp}`]);
      // 1, the checkers' exit code: the function fails with an ExecError, not a plain Error (which exits 0).
      expect(run.status, run.stderr.slice(-3000)).toBe(1);
      expect(run.stderr).toContain("Error: CI templates: problems found\n");
      expect(run.stderr).toMatch(/ci\/gitlab\/\.gitlab-ci\.yml::\$\.build: .*'scriptt' was unexpected/);
    }, 10 * 60_000);
  });
});

/** The function and `--name=value` flags at the start of a `dagger call` command line. */
function callOf(commandLine: string): { fn: string; flags: Record<string, string>; rest: string[] } {
  const [fn, ...words] = commandLine.trim().split(/\s+/);
  const flags: Record<string, string> = {};
  while (words[0]?.startsWith("--")) {
    const [name, value] = words.shift()!.slice(2).split(/=(.*)/s);
    flags[name] = value.replace(/^"(.*)"$/, "$1");
  }
  return { fn, flags, rest: words };
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const daggerVersion = JSON.parse(read("package.json")).dependencies["@dagger.io/dagger"];

interface Step {
  uses?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}

describe("CI templates, against the module and their pins", () => {
  let schema: ModuleSchema;
  const workflow = parse(read(githubPath)) as { jobs: Record<string, { steps: Step[] }> };
  const pipeline = parse(read(gitlabPath)) as Record<string, any>;
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const daggerStep = steps.find((s) => s.uses?.startsWith("dagger/dagger-for-github@"))!;
  const gitlabCall = (pipeline.build.script as string[]).find((line) => /^dagger .*\bcall /.test(line))!;

  beforeAll(async () => {
    schema = await scanModule();
  });

  /** Each flag is an argument of the function, and each required argument (no default) is given. */
  function expectRealArguments(call: ReturnType<typeof callOf>): void {
    const fn = schema.objects.Kios.methods[call.fn];
    expect(fn, `Kios has no function ${call.fn}`).toBeDefined();
    const args = Object.values(fn.arguments);
    expect(Object.keys(call.flags).filter((flag) => !args.some((a) => kebab(a.name) === flag))).toEqual([]);
    const required = args.filter((a) => !a.isOptional && a.defaultValue === undefined);
    expect(required.filter((a) => !(kebab(a.name) in call.flags)).map((a) => a.name)).toEqual([]);
  }

  it("GitHub: calls build with its real arguments, the key from the secret in env, and uploads what it exports", () => {
    const call = callOf(daggerStep.with!.call);
    expect(call.fn).toBe("build");
    expectRealArguments(call);
    expect(call.flags.key).toBe("env://KIOS_SECURE_BOOT_KEY");
    expect(daggerStep.env?.KIOS_SECURE_BOOT_KEY).toBe("${{ secrets.KIOS_SECURE_BOOT_KEY }}");
    expect(call.rest).toEqual(["export", "--path=out"]);
    expect(daggerStep.with!.version).toBe(daggerVersion);
    const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
    expect(upload.with!.path).toBe("out/");
  });

  it("GitLab: calls build with its real arguments, the key from a File variable, and keeps what it exports", () => {
    const call = callOf(gitlabCall.replace(/^.*?\bcall /, ""));
    expect(call.fn).toBe("build");
    expectRealArguments(call);
    expect(call.flags.key).toBe("file://$KIOS_SECURE_BOOT_KEY");
    expect(call.rest).toEqual(["export", "--path=out"]);
    expect(pipeline.build.variables.DAGGER_VERSION).toBe(daggerVersion);
    expect(pipeline.build.artifacts.paths).toEqual(["out/"]);
    expect(pipeline.build.artifacts.expire_in).toMatch(/^\d+ (days?|weeks?)$/);
  });

  it("GitHub: pins every action by commit, with its release in a comment", () => {
    const uses = read(githubPath).split("\n").filter((line) => /^\s*(- )?uses:/.test(line));
    expect(uses.length).toBe(steps.filter((s) => s.uses).length);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    expect(daggerStep.uses).toBe("dagger/dagger-for-github@27b130bf0f79a7f6fbbbe0fbca6760dc9bb40a77");
    expect(workflow).toMatchObject({ permissions: { contents: "read" } });
  });

  it("GitLab: pins its images by version and Dagger's installer by commit and sha256", () => {
    const images = [pipeline.build.image, ...pipeline.build.services];
    for (const image of images) expect(image).toMatch(/^docker:\d+\.\d+\.\d+-(cli|dind)$/);
    expect(new Set(images.map((i: string) => i.replace(/-\w+$/, ""))).size).toBe(1);
    expect(pipeline.build.variables.DAGGER_INSTALLER).toMatch(/^https:\/\/raw\.githubusercontent\.com\/dagger\/dagger\/[0-9a-f]{40}\/install\.sh$/);
    expect(pipeline.build.variables.DAGGER_INSTALLER_SHA256).toMatch(/^[0-9a-f]{64}$/);
    expect(pipeline.build.before_script).toContain('echo "$DAGGER_INSTALLER_SHA256  /tmp/dagger-install.sh" | sha256sum -c -');
  });
});
