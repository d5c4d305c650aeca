/**
 * `npm run kios -- <function> [args...]` is `dagger call --offline
 * --base-archive=<offline base image> <function> [args...]` with the CLI and
 * engine offline-engine/bootstrap.sh builds: the same arguments, output and exit code.
 *
 *   npm run kios -- build --key=file:./db.key --cert=./db.crt export --path=./out
 *   npm run kios -- -m examples/acme-node build ...   (another module: `dagger -m DIR call ...`)
 */
import { spawn } from "node:child_process";
import { offlineArgs, engineEnv } from "./dagger-call.js";
import { repoRoot } from "./engine-env.js";

const env = await engineEnv();
const args = process.argv.slice(2);
// A leading -m DIR (or --mod=DIR) picks the module, as dagger's own flag does.
const mod = args[0] === "-m" || args[0] === "--mod" ? args.splice(0, 2) : args[0]?.startsWith("--mod=") ? args.splice(0, 1) : [];
const child = spawn(env._EXPERIMENTAL_DAGGER_CLI_BIN!, [...mod, "call", ...offlineArgs(), ...args], {
  cwd: repoRoot,
  env,
  stdio: "inherit",
});
child.on("close", (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
