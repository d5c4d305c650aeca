/** The module's schema, read by the SDK's own introspector. */
import { beforeAll, describe, expect, it } from "vitest";
import { ModuleSchema, scanModule } from "../../offline-engine/module-schema.js";

let schema: ModuleSchema;
beforeAll(async () => {
  schema = await scanModule();
});

describe("module schema (SDK introspector)", () => {
  it("exposes Kios and the KernelBuild and NodeBoot results, each described, and no stray interfaces", () => {
    expect(Object.keys(schema.objects).sort()).toEqual(["KernelBuild", "Kios", "NodeBoot", "ReproCheck"]);
    expect(schema.objects.Kios.description).toMatch(/kiOS build/);
    expect(schema.objects.NodeBoot.description).toMatch(/One boot of a UKI on the test network/);
    expect(schema.interfaces).toEqual({});
  });

  it("has chainable with* extensions that return the Kios object", () => {
    const withs = Object.keys(schema.objects.Kios.methods).filter((m) => m.startsWith("with")).sort();
    expect(withs).toEqual(["withBinary", "withBuildToml", "withInit", "withKernelFragment", "withModuleSigningKey", "withOsRelease", "withStaticPod"]);
    for (const name of withs) expect(schema.objects.Kios.methods[name]!.returnType).toEqual({ kind: "OBJECT_KIND", name: "Kios" });
  });

  it("has kernel(source: Directory): KernelBuild with its parts as fields, built once", () => {
    expect(schema.objects.Kios.methods.kernel.returnType).toEqual({ kind: "OBJECT_KIND", name: "KernelBuild" });
    expect(schema.objects.Kios.methods.kernelBuildLog).toBeUndefined();
    const build = schema.objects.KernelBuild;
    expect(Object.keys(build.properties).sort()).toEqual(["bzImage", "config", "log", "modules"]);
    expect(build.methods.directory.returnType).toEqual({ kind: "OBJECT_KIND", name: "Directory" });
  });

  it("has configDrive(config: File!): File and bootNode(uki: File!, ...): NodeBoot with a report", () => {
    const drive = schema.objects.Kios.methods.configDrive;
    expect(drive.returnType).toEqual({ kind: "OBJECT_KIND", name: "File" });
    expect(drive.arguments.config.type).toEqual({ kind: "OBJECT_KIND", name: "File" });
    const boot = schema.objects.Kios.methods.bootNode;
    expect(boot.returnType).toEqual({ kind: "OBJECT_KIND", name: "NodeBoot" });
    expect(Object.keys(boot.arguments)).toEqual(["uki", "cert", "drive", "userData", "noMetadata", "powerOffAfter", "powerOffDelay", "timeout", "nonce", "stopAt", "softwareTpm"]);
    expect(schema.objects.NodeBoot.methods.report.returnType).toEqual({ kind: "OBJECT_KIND", name: "Directory" });
  });

  it("takes the source tree, offline flag, base container and caches in its constructor", () => {
    const args = schema.objects.Kios.constructor!.arguments;
    expect(Object.keys(args)).toEqual(["source", "offline", "base", "aptArchives", "aptLists", "baseArchive", "goModCache", "goBuildCache", "kernelCcache", "kernelBuildCache"]);
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

  it.each(["Kios", "NodeBoot"])("documents every function and every argument of %s", (name) => {
    const obj = schema.objects[name]!;
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
