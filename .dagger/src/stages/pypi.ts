/**
 * Python tools from PyPI in one venv: every wheel build.toml's
 * [pypi.packages] pins, each checked against its sha256 (pip
 * --require-hashes, wheels only: a missing dependency is an error too).
 * The CI templates' check-jsonschema and the SBOM's validator (spdx-tools)
 * share it.
 */
import { Container, ExecError } from "@dagger.io/dagger";
import type { BuildConfig } from "../config/index.js";
import type { StageContext } from "../context.js";

/** Where the venv is; its bin/ holds the tools. */
export const PYPI_VENV = "/opt/pypi";

/** The Debian packages the venv needs in its container. */
export const pypiPackages = ["ca-certificates", "python3", "python3-venv"];

/**
 * pip's requirements file: `name==version --hash=sha256:...` for every pin.
 * `required` names the tools the caller runs: each must be pinned.
 */
export function pypiRequirements(pins: BuildConfig["pypi"]["packages"], required: string[]): string {
  for (const name of required) {
    if (!(name in pins)) throw new Error(`build.toml: pypi.packages: no pin for ${name}`);
  }
  return Object.entries(pins)
    .map(([name, pin]) => `${name}==${pin.version} --hash=sha256:${pin.sha256}\n`)
    .join("");
}

/**
 * `base` (with pypiPackages installed) plus the venv, its bin/ first on PATH.
 * A pip failure names build.toml's pypi.packages with pip's message.
 */
export async function withPypiTools(ctx: StageContext, base: Container, required: string[]): Promise<Container> {
  const installed = base
    .withNewFile("/tmp/requirements.txt", pypiRequirements(ctx.config.pypi.packages, required))
    .withExec(["python3", "-m", "venv", PYPI_VENV])
    .withExec([`${PYPI_VENV}/bin/pip`, "install", "--no-cache-dir", "--require-hashes", "--only-binary=:all:", "-r", "/tmp/requirements.txt"])
    .withExec([`${PYPI_VENV}/bin/pip`, "check"]);
  try {
    await installed.sync();
  } catch (e) {
    if (!(e instanceof ExecError) || !e.cmd.join(" ").includes(PYPI_VENV)) throw e;
    throw new Error(`build.toml: pypi.packages: ${e.cmd.slice(0, 2).join(" ")} failed: ${e.stderr.trim() || e.stdout.trim()}`);
  }
  return installed.withEnvVariable("PATH", `${PYPI_VENV}/bin:\${PATH}`, { expand: true });
}
