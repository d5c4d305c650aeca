/**
 * `npm run kios -- <function> [args...]` is `dagger call --offline
 * --base-archive=<offline base image> <function> [args...]` with the CLI and
 * engine offline-engine/bootstrap.sh builds: the same arguments, output and exit code.
 *
 *   npm run kios -- build --key=file:./db.key --cert=./db.crt export --path=./out
 */
import { spawn } from "node:child_process";
import { offlineArgs, engineEnv } from "./dagger-call.js";
import { repoRoot } from "./engine-env.js";

const env = await engineEnv();
const child = spawn(env._EXPERIMENTAL_DAGGER_CLI_BIN!, ["call", ...offlineArgs(), ...process.argv.slice(2)], {
  cwd: repoRoot,
  env,
  stdio: "inherit",
});
child.on("close", (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
