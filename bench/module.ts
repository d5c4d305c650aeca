/**
 * Module mode, through the dagger CLI:
 *
 * - module.load_cold_s: `dagger functions` on a copy of the module the
 *   engine has never seen (a nonce in its source): the runtime container is
 *   prepared (npm install of the module's dependencies, npm's cache warm)
 *   and the types registered. The engine and its runtime image stay up.
 * - module.load_warm_s: the same again, every step cached.
 * - module.call_build_warm_s: `dagger call build ... export` once more after
 *   a first one with the same keys (everything cached: what CI pays for a
 *   change that does not touch the image).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CliRun, dagger, offlineArgs } from "../offline-engine/dagger-call.js";
import { repoRoot } from "../offline-engine/engine-env.js";
import { makeTestKeys } from "../tests/support/secure-boot-keys.js";
import type { Figures } from "./run.js";

function ok(run: CliRun, what: string): number {
  if (run.status !== 0) throw new Error(`${what} exited ${run.status}:\n${run.stderr.slice(-3000)}`);
  return Math.round(run.seconds * 10) / 10;
}

export async function moduleFigures(): Promise<Figures> {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "kios-bench-module-"));
  const keys = makeTestKeys();
  try {
    fs.copyFileSync(path.join(repoRoot, "dagger.json"), path.join(copy, "dagger.json"));
    fs.cpSync(path.join(repoRoot, ".dagger"), path.join(copy, ".dagger"), { recursive: true });
    fs.appendFileSync(path.join(copy, ".dagger/src/index.ts"), `\n// bench nonce ${process.pid}-${Date.now()}\n`);
    const figures: Figures = {};
    figures["module.load_cold_s"] = ok(await dagger(["functions"], { cwd: copy }), "dagger functions (cold)");
    figures["module.load_warm_s"] = ok(await dagger(["functions"], { cwd: copy }), "dagger functions (warm)");
    const out = path.join(copy, "out");
    const build = ["call", ...offlineArgs(), "build", `--key=file:${keys.dbKeyPath}`, `--cert=${keys.certs.db}`, "export", `--path=${out}`];
    ok(await dagger(build), "dagger call build (first)");
    figures["module.call_build_warm_s"] = ok(await dagger(build), "dagger call build (warm)");
    return figures;
  } finally {
    keys.remove();
    fs.rmSync(copy, { recursive: true, force: true });
  }
}
