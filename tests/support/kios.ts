/** Run the kiOS module's class against the real engine, the way `dagger call` would. */
import type { Writable } from "node:stream";
import { connection, dag } from "@dagger.io/dagger";
import { Kios } from "../../.dagger/src/index.js";
import { explainDaggerError } from "../../offline-engine/dagger-errors.js";
import { bootstrapEngine, repoRoot } from "../../offline-engine/engine-env.js";

/**
 * Calls `fn` with the module object built from this checkout in offline
 * mode. `logOutput` receives the engine's progress log.
 */
export async function withKios<T>(fn: (kios: Kios) => Promise<T>, logOutput?: Writable): Promise<T> {
  let result: T | undefined;
  // The vitest global setup has done this; scripts (bench, probes) have not.
  if (!process.env._EXPERIMENTAL_DAGGER_CLI_BIN) Object.assign(process.env, await bootstrapEngine());
  try {
    await connection(
      async () => {
        const source = dag.host().directory(repoRoot, { exclude: ["node_modules", "out", ".git"] });
        result = await fn(new Kios(source, true));
      },
      logOutput ? { LogOutput: logOutput } : {},
    );
  } catch (error) {
    throw explainDaggerError(error);
  }
  return result as T;
}
