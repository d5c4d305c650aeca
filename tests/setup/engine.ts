/**
 * vitest global setup: builds (or reuses) the offline Dagger engine, exports
 * the environment the SDK needs to every test worker, and starts the engine
 * once so that the first test does not pay for it.
 */
import { connection, dag } from "@dagger.io/dagger";
import { bootstrapEngine } from "../../offline-engine/engine-env.js";

export default async function setup(): Promise<void> {
  Object.assign(process.env, await bootstrapEngine());
  const started = Date.now();
  await connection(async () => {
    await dag.container().id();
  });
  console.error(`[kios] Dagger engine answered in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
