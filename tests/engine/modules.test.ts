/**
 * The sub-modules under modules/ load as modules of their own through the
 * dagger CLI (module mode): `dagger -m modules/<name> functions` lists what
 * the SDK's introspector finds in them. (Their constructors take a toolchain
 * Container, which the CLI can only give as a registry image address; these
 * machines have no registry, so their functions run here through the root
 * module, which calls the same code, and through examples/acme-node.)
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { dagger, listedFunctions } from "../../offline-engine/dagger-call.js";
import { repoRoot } from "../../offline-engine/engine-env.js";
import { cliName, mainObjectName, scanModule } from "../../offline-engine/module-schema.js";

const names = fs.readdirSync(path.join(repoRoot, "modules")).filter((n) => fs.existsSync(path.join(repoRoot, "modules", n, "dagger.json")));

describe("modules/ through the dagger CLI", () => {
  it.each(names)("loads modules/%s and lists its functions", async (name) => {
    const run = await dagger(["-m", `modules/${name}`, "functions"]);
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    const schema = await scanModule(`modules/${name}/src`, name);
    expect(listedFunctions(run.stdout)).toEqual(Object.keys(schema.objects[mainObjectName(name)]!.methods).map(cliName).sort());
  }, 10 * 60_000);
});
