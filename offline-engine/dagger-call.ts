/**
 * `dagger call` on this checkout with the CLI built at the SDK's version,
 * offline: the base image comes from the archive offline-engine/base-image.sh made,
 * passed as a File (the module runs in a container and cannot read it).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import TOML from "@iarna/toml";
import { offlineImageDir } from "../.dagger/src/base.js";
import { bootstrapEngine, repoRoot } from "./engine-env.js";

/**
 * The constructor arguments of an offline call: `--offline`, the base image
 * archive, and the cache volumes by the names the module gives them when
 * driven through the SDK (tests, benches). Made by the CLI, they are the
 * same volumes; made inside the module, the engine would scope them to it,
 * and every compile would run once per way of calling.
 */
export function offlineArgs(): string[] {
  const toml = TOML.parse(fs.readFileSync(path.join(repoRoot, "build.toml"), "utf8")) as { base: { offline_archive: string } };
  return [
    "--offline",
    `--base-archive=${path.join(offlineImageDir(), toml.base.offline_archive)}`,
    "--apt-archives=kios-apt-archives",
    "--apt-lists=kios-apt-lists",
    "--go-mod-cache=kios-go-mod",
    "--go-build-cache=kios-go-build",
    "--kernel-ccache=kios-kernel-ccache",
  ];
}

/** The engine's environment: from the vitest global setup if it ran, else from offline-engine/bootstrap.sh. */
export async function engineEnv(): Promise<NodeJS.ProcessEnv> {
  if (!process.env._EXPERIMENTAL_DAGGER_CLI_BIN) Object.assign(process.env, await bootstrapEngine());
  return process.env;
}

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs the dagger CLI with `args` in the checkout (plain progress on stderr); never throws on a failed call. */
export async function dagger(args: string[], options: { cwd?: string; echo?: boolean } = {}): Promise<CliRun> {
  const env = await engineEnv();
  const started = performance.now();
  const child = spawn(env._EXPERIMENTAL_DAGGER_CLI_BIN!, ["--progress=plain", ...args], {
    cwd: options.cwd ?? repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => {
    stderr += d;
    if (options.echo) process.stderr.write(d);
  });
  const status: number = await new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
  return { status, stdout, stderr, seconds: (performance.now() - started) / 1000 };
}

/** The function names `dagger functions` printed (its table's first column), sorted. */
export function listedFunctions(stdout: string): string[] {
  return stdout
    .split("\n")
    .filter((l) => /^[a-z][a-z0-9-]* {2,}\S/.test(l))
    .map((l) => l.split(/\s+/)[0]!)
    .sort();
}
