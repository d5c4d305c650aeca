/** The kernel sub-module's schema, read by the SDK's own introspector, and its fragment-name check. */
import { beforeAll, describe, expect, it } from "vitest";
import { checkFragmentName } from "../../../modules/kernel/src/config-check.js";
import { ModuleSchema, scanModule } from "../../../offline-engine/module-schema.js";

let schema: ModuleSchema;
beforeAll(async () => {
  schema = await scanModule("modules/kernel/src", "kernel");
});

const object = (name: string) => ({ kind: "OBJECT_KIND", name });

describe("kernel module schema (SDK introspector)", () => {
  it("exposes Kernel and its KernelBuild result, each described, and no stray interfaces", () => {
    expect(Object.keys(schema.objects).sort()).toEqual(["Kernel", "KernelBuild"]);
    expect(schema.objects.Kernel.description).toMatch(/tinyconfig \+ Kconfig fragments/);
    expect(schema.objects.KernelBuild.description).toMatch(/A built kernel/);
    expect(schema.interfaces).toEqual({});
  });

  it("takes the toolchain, source, caches and reproducible stamps in its constructor", () => {
    const args = schema.objects.Kernel.constructor!.arguments;
    expect(Object.keys(args)).toEqual(["toolchain", "source", "ccache", "buildDirectory", "sourceDateEpoch", "buildUser", "buildHost"]);
    expect(args.toolchain).toMatchObject({ type: object("Container"), isOptional: false });
    expect(args.source).toMatchObject({ type: object("Directory"), isOptional: false });
    expect(args.ccache).toMatchObject({ type: object("CacheVolume"), isOptional: true });
    expect(args.buildDirectory).toMatchObject({ type: object("CacheVolume"), isOptional: true });
    expect(args.sourceDateEpoch).toMatchObject({ type: { kind: "INTEGER_KIND" }, defaultValue: 0 });
    expect(args.buildUser).toMatchObject({ type: { kind: "STRING_KIND" }, defaultValue: "builder" });
    expect(args.buildHost).toMatchObject({ type: { kind: "STRING_KIND" }, defaultValue: "localhost" });
  });

  it("has withFragment(name, fragment): Kernel, build(): KernelBuild and packages(): [String!]", () => {
    const { methods } = schema.objects.Kernel;
    expect(Object.keys(methods).sort()).toEqual(["build", "packages", "withFragment", "withModuleSigningKey"]);
    expect(methods.withFragment.returnType).toEqual(object("Kernel"));
    expect(methods.withModuleSigningKey.returnType).toEqual(object("Kernel"));
    expect(Object.keys(methods.withModuleSigningKey.arguments)).toEqual(["key"]);
    expect(Object.keys(methods.withFragment.arguments)).toEqual(["name", "fragment"]);
    expect(methods.withFragment.arguments.name.type).toEqual({ kind: "STRING_KIND" });
    expect(methods.withFragment.arguments.fragment.type).toEqual(object("File"));
    expect(methods.build.returnType).toEqual(object("KernelBuild"));
    expect(methods.build.arguments).toEqual({});
    expect(methods.packages.returnType).toEqual({ kind: "LIST_KIND", typeDef: { kind: "STRING_KIND" } });
  });

  it("has KernelBuild with bzImage, modules, config and log fields and directory()", () => {
    const build = schema.objects.KernelBuild;
    expect(Object.keys(build.properties).sort()).toEqual(["bzImage", "config", "log", "modules"]);
    expect(build.properties.bzImage.type).toEqual(object("File"));
    expect(build.properties.modules.type).toEqual(object("Directory"));
    expect(build.properties.config.type).toEqual(object("File"));
    expect(build.properties.log.type).toEqual(object("File"));
    for (const field of Object.values(build.properties)) expect(field.description, field.name).not.toBe("");
    expect(Object.keys(build.methods)).toEqual(["directory"]);
    expect(build.methods.directory.returnType).toEqual(object("Directory"));
  });

});


describe("checkFragmentName", () => {
  it.each(["90-wireguard.config", "a.config", "10_core.v2.config"])("accepts %s", (name) => {
    expect(() => checkFragmentName(name)).not.toThrow();
  });

  it.each(["wireguard", "../x.config", "sub/x.config", ".config", "-x.config", "x.config.bak"])("rejects %s", (name) => {
    expect(() => checkFragmentName(name)).toThrow(`withFragment: name ${JSON.stringify(name)}: expected a file name ending in .config`);
  });
});
