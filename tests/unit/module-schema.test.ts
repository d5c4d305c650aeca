/** The module's schema, read by the SDK's own introspector. */
import { beforeAll, describe, expect, it } from "vitest";
import { ModuleSchema, scanModule } from "../../ci/module-schema.js";

let schema: ModuleSchema;
beforeAll(async () => {
  schema = await scanModule();
});

describe("module schema (SDK introspector)", () => {
  it("exposes one object, Kios, with a description and no stray interfaces", () => {
    expect(Object.keys(schema.objects)).toEqual(["Kios"]);
    expect(schema.objects.Kios.description).toMatch(/kiOS build/);
    expect(schema.interfaces).toEqual({});
  });

  it("takes the source tree, offline flag, base container and caches in its constructor", () => {
    const args = schema.objects.Kios.constructor!.arguments;
    expect(Object.keys(args)).toEqual(["source", "offline", "base", "aptArchives", "aptLists"]);
    expect(args.source).toMatchObject({ type: { kind: "OBJECT_KIND", name: "Directory" }, defaultPath: "/" });
    expect(args.offline).toMatchObject({ type: { kind: "BOOLEAN_KIND" }, defaultValue: false });
    expect(args.base).toMatchObject({ type: { kind: "OBJECT_KIND", name: "Container" }, isOptional: true });
    expect(args.aptArchives.type).toEqual({ kind: "OBJECT_KIND", name: "CacheVolume" });
  });

  it("has toolchain(packages: [String!]): Container", () => {
    const fn = schema.objects.Kios.methods.toolchain;
    expect(fn.returnType).toEqual({ kind: "OBJECT_KIND", name: "Container" });
    expect(fn.arguments.packages.type).toEqual({ kind: "LIST_KIND", typeDef: { kind: "STRING_KIND" } });
    expect(fn.arguments.packages.defaultValue).toEqual([]);
    expect(fn.description).toMatch(/Debian packages/);
  });

  it("documents every function and every argument", () => {
    const obj = schema.objects.Kios;
    const undocumented = [
      ...Object.values(obj.methods).filter((f) => !f.description).map((f) => `${f.name}()`),
      ...Object.values(obj.methods).flatMap((f) =>
        Object.values(f.arguments).filter((a) => !a.description).map((a) => `${f.name}(${a.name})`),
      ),
      ...Object.values(obj.constructor?.arguments ?? {}).filter((a) => !a.description).map((a) => `constructor(${a.name})`),
    ];
    expect(undocumented).toEqual([]);
  });
});
