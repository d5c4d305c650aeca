/** Bring up the offline Dagger engine path (offline-engine/bootstrap.sh) and load its environment. */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Runs offline-engine/bootstrap.sh (progress on stderr) and returns the environment it prints. */
export async function bootstrapEngine(): Promise<Record<string, string>> {
  const child = spawn(path.join(repoRoot, "offline-engine/bootstrap.sh"), [], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const code: number = await new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0) throw new Error(`offline-engine/bootstrap.sh failed with exit code ${code}`);
  const env: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  if (!env._EXPERIMENTAL_DAGGER_CLI_BIN) throw new Error(`offline-engine/bootstrap.sh printed no engine environment:\n${out}`);
  return env;
}
