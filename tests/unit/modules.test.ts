/**
 * What every sub-module under modules/ promises: a Dagger module of its own
 * (dagger.json at the root's engine version), documented functions with a
 * runnable `dagger -m modules/<name> call` example, and no knowledge of
 * kiOS: no import from outside itself, no build.toml.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../offline-engine/engine-env.js";
import { mainObjectName, scanModule } from "../../offline-engine/module-schema.js";

const modulesDir = path.join(repoRoot, "modules");
const names = fs.readdirSync(modulesDir).filter((n) => fs.existsSync(path.join(modulesDir, n, "dagger.json"))).sort();
const rootEngine = JSON.parse(fs.readFileSync(path.join(repoRoot, "dagger.json"), "utf8")).engineVersion;

function sources(name: string): { file: string; text: string }[] {
  const src = path.join(modulesDir, name, "src");
  return fs
    .readdirSync(src, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => path.join(e.parentPath, e.name))
    .map((file) => ({ file, text: fs.readFileSync(file, "utf8") }));
}

describe("modules/", () => {
  it("holds the generic stages as modules of their own", () => {
    expect(names).toEqual(["debian", "go-build", "kernel", "qemu-boot", "uki"]);
  });

  describe.each(names)("modules/%s", (name) => {
    it("is a TypeScript Dagger module at the root's engine version, with no dependencies", () => {
      const json = JSON.parse(fs.readFileSync(path.join(modulesDir, name, "dagger.json"), "utf8"));
      expect(json).toMatchObject({ name, engineVersion: rootEngine, sdk: { source: "typescript" } });
      expect(json.dependencies ?? []).toEqual([]);
      expect(JSON.parse(fs.readFileSync(path.join(modulesDir, name, "package.json"), "utf8")).type).toBe("module");
    });

    it("imports nothing from outside itself and never reads build.toml", () => {
      const moduleRoot = path.join(modulesDir, name);
      for (const { file, text } of sources(name)) {
        for (const [, spec] of text.matchAll(/\bfrom\s+"([^"]+)"/g)) {
          if (spec!.startsWith(".")) {
            expect(path.resolve(path.dirname(file), spec!).startsWith(moduleRoot + path.sep), `${file}: ${spec}`).toBe(true);
          } else {
            expect(spec!, file).toMatch(/^(@dagger\.io\/dagger|node:.+)$/);
          }
        }
        expect(text, file).not.toMatch(/build\.toml/);
      }
    });

    it("gives every function a runnable `dagger -m modules/<name> call` example", () => {
      const undocumented = sources(name).flatMap(({ file, text }) =>
        [...text.matchAll(/(\/\*\*(?:(?!\*\/)[\s\S])*\*\/)?\s*@func\(\)\s*(?:async\s+)?(\w+)/g)]
          .filter(([, doc]) => !doc || !doc.includes(`@example dagger -m modules/${name} call `))
          .map(([, , fn]) => `${path.basename(file)}: ${fn}`),
      );
      expect(undocumented).toEqual([]);
    });

    it(`has its main object, every function and argument described (SDK introspector)`, async () => {
      const schema = await scanModule(`modules/${name}/src`, name);
      const main = schema.objects[mainObjectName(name)];
      expect(main, `object ${mainObjectName(name)}`).toBeDefined();
      const undocumented = Object.values(schema.objects).flatMap((obj) => [
        ...(obj.description ? [] : [obj.name]),
        ...Object.values(obj.methods).filter((f) => !f.description).map((f) => `${obj.name}.${f.name}()`),
        ...Object.values(obj.methods).flatMap((f) =>
          Object.values(f.arguments).filter((a) => !a.description).map((a) => `${obj.name}.${f.name}(${a.name})`),
        ),
        ...Object.values(obj.constructor?.arguments ?? {}).filter((a) => !a.description).map((a) => `${obj.name}(${a.name})`),
      ]);
      expect(undocumented).toEqual([]);
    }, 120_000);
  });
});
