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
import { dagger } from "../../offline-engine/dagger-call.js";
import { repoRoot } from "../../offline-engine/engine-env.js";
import { scanModule } from "../../offline-engine/module-schema.js";

const names = fs.readdirSync(path.join(repoRoot, "modules")).filter((n) => fs.existsSync(path.join(repoRoot, "modules", n, "dagger.json")));
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const pascal = (name: string) => name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());

describe("modules/ through the dagger CLI", () => {
  it.each(names)("loads modules/%s and lists its functions", async (name) => {
    const run = await dagger(["-m", `modules/${name}`, "functions"]);
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    const listed = run.stdout.split("\n").filter((l) => /^[a-z][a-z0-9-]* {2,}\S/.test(l)).map((l) => l.split(/\s+/)[0]).sort();
    const schema = await scanModule(`modules/${name}/src`, name);
    expect(listed).toEqual(Object.keys(schema.objects[pascal(name)]!.methods).map(kebab).sort());
  }, 10 * 60_000);
});
