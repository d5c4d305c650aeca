/**
 * Engine figures: the cold build of CLI + engine image from nothing (a fresh
 * cache directory and Docker names of its own, so nothing is reused), the
 * engine image's size, and a warm start (everything cached, engine container
 * stopped) up to the first answered query.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { connection, dag } from "@dagger.io/dagger";
import { bootstrapEngine, repoRoot } from "../offline-engine/engine-env.js";
import type { Figures } from "./run.js";
import { seconds } from "./timing.js";

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed with exit code ${r.status}`);
  return r.stdout.trim();
}

function coldBuildSeconds(): number {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "kios-bench-cache-"));
  const env = { ...process.env, KIOS_CACHE: cache, KIOS_DOCKER_PREFIX: "kios-bench" };
  const started = Date.now();
  try {
    const built = run(path.join(repoRoot, "offline-engine/engine-build.sh"), [], env);
    const image = run(path.join(repoRoot, "offline-engine/engine-image.sh"), [built], env);
    const elapsed = Date.now() - started;
    spawnSync("docker", ["rmi", image], { stdio: "ignore" });
    return seconds(elapsed);
  } finally {
    // The Go module cache is read-only by design: make it removable.
    spawnSync("chmod", ["-R", "u+w", cache]);
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

async function warmStartSeconds(): Promise<number> {
  await bootstrapEngine();
  execFileSync("docker", ["stop", "kios-dagger-engine"], { stdio: "ignore" });
  const started = Date.now();
  Object.assign(process.env, await bootstrapEngine());
  await connection(async () => {
    await dag.version();
  });
  return seconds(Date.now() - started);
}

export async function engineFigures(): Promise<Figures> {
  const env = await bootstrapEngine();
  const image = env._EXPERIMENTAL_DAGGER_RUNNER_HOST.replace("container+docker://", "");
  const imageName = run("docker", ["inspect", "-f", "{{.Config.Image}}", image]);
  return {
    "engine.image_bytes": Number(run("docker", ["image", "inspect", "-f", "{{.Size}}", imageName])),
    "engine.warm_start_s": await warmStartSeconds(),
    "engine.cold_build_s": coldBuildSeconds(),
  };
}
