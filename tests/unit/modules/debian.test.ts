/** modules/debian: its schema (SDK introspector), package checks, the apt-get recipe, the root's adapter. */
import type { CacheVolume, Container } from "@dagger.io/dagger";
import { beforeAll, describe, expect, it } from "vitest";
import { withDebianPackages as rootWithDebianPackages } from "../../../.dagger/src/stages/toolchain.js";
import { checkPackages, invalidPackages, withDebianDownloads, withDebianPackages } from "../../../modules/debian/src/apt.js";
import { ModuleSchema, scanModule } from "../../../offline-engine/module-schema.js";

let schema: ModuleSchema;
beforeAll(async () => {
  schema = await scanModule("modules/debian/src", "debian");
});

/** A stand-in Container that records the calls made on it, in order. */
function recorder(ops: string[] = []): Container {
  const chained = (name: string) => (...args: unknown[]) => recorder([...ops, `${name} ${JSON.stringify(args, (_, v) => (v?.ops ? v.ops.join("|") : v))}`]);
  return new Proxy({} as Container, {
    get: (_, name) => {
      if (name === "ops") return ops;
      if (typeof name === "symbol" || name === "toJSON" || name === "then") return undefined;
      return chained(name);
    },
  });
}
const ops = (c: Container) => (c as unknown as { ops: string[] }).ops;
const caches = { archives: recorder(["archives"]) as unknown as CacheVolume, lists: recorder(["lists"]) as unknown as CacheVolume };

describe("modules/debian schema", () => {
  it("has the Debian object only, built from a base container and two optional apt caches", () => {
    expect(Object.keys(schema.objects)).toEqual(["Debian"]);
    const args = schema.objects.Debian.constructor!.arguments;
    expect(Object.keys(args)).toEqual(["base", "archives", "lists"]);
    expect(args.base).toMatchObject({ type: { kind: "OBJECT_KIND", name: "Container" }, isOptional: false });
    for (const name of ["archives", "lists"]) {
      expect(args[name]).toMatchObject({ type: { kind: "OBJECT_KIND", name: "CacheVolume" }, isOptional: true });
    }
  });

  it("has install(packages: [String!]!): Container and download(packages: [String!]!): Directory", () => {
    const { install, download } = schema.objects.Debian.methods;
    expect(Object.keys(schema.objects.Debian.methods).sort()).toEqual(["download", "install"]);
    expect(install.returnType).toEqual({ kind: "OBJECT_KIND", name: "Container" });
    expect(download.returnType).toEqual({ kind: "OBJECT_KIND", name: "Directory" });
    for (const fn of [install, download]) {
      expect(Object.keys(fn.arguments)).toEqual(["packages"]);
      expect(fn.arguments.packages).toMatchObject({ type: { kind: "LIST_KIND", typeDef: { kind: "STRING_KIND" } }, isOptional: false });
    }
  });

});

describe("package names and pins", () => {
  it("accepts names and name=version pins, and nothing else", () => {
    expect(invalidPackages(["gcc", "libc6-dev", "g++", "linux-source-6.12=6.12.117-1", "ca-certificates=20250419", "x=1:2.3~rc1+b2"])).toEqual([]);
    expect(invalidPackages(["Gcc", "-rf", "gcc make", "gcc=", "gcc=1;rm", ""])).toEqual(["Gcc", "-rf", "gcc make", "gcc=", "gcc=1;rm", ""]);
  });

  it("fails naming the first bad entry: the module as debian, the root as the toolchain", () => {
    expect(() => checkPackages(["gcc", "bad name", "X"])).toThrow('debian: not a Debian package name or name=version pin: "bad name"');
    expect(() => withDebianPackages(recorder(), caches, ["-y"])).toThrow('debian: not a Debian package name or name=version pin: "-y"');
    expect(() => rootWithDebianPackages(recorder(), caches, ["gcc", "-y"])).toThrow(
      'toolchain: not a Debian package name or name=version pin: "-y"',
    );
  });
});

describe("the apt-get recipe (the engine's cache keys: unchanged by the move)", () => {
  it("returns the base as it is for no packages", () => {
    const base = recorder(["base"]);
    expect(withDebianPackages(base, caches, [])).toBe(base);
    expect(rootWithDebianPackages(base, caches, [])).toBe(base);
  });

  it("installs with both caches mounted locked, then unmounts them", () => {
    const installed = ops(rootWithDebianPackages(recorder(["base"]), caches, ["gcc=14.2.0-1", "make"]));
    expect(installed).toEqual([
      "base",
      'withMountedCache ["/var/cache/apt/archives","archives",{"sharing":"LOCKED"}]',
      'withMountedCache ["/var/lib/apt/lists","lists",{"sharing":"LOCKED"}]',
      'withEnvVariable ["DEBIAN_FRONTEND","noninteractive"]',
      `withExec [["sh","-ec","rm -f /etc/apt/apt.conf.d/docker-clean; apt-get update -qq; apt-get install -y -qq --no-install-recommends \\"$@\\"","apt-get","gcc=14.2.0-1","make"]]`,
      'withoutMount ["/var/cache/apt/archives"]',
      'withoutMount ["/var/lib/apt/lists"]',
    ]);
  });

  it("downloads into the given directory with the lists cache mounted", () => {
    expect(ops(withDebianDownloads(recorder(["base"]), caches, ["docker.io=26.1.5"], "/tmp/docker"))).toEqual([
      "base",
      'withMountedCache ["/var/lib/apt/lists","lists",{"sharing":"LOCKED"}]',
      'withWorkdir ["/tmp/docker"]',
      `withExec [["sh","-ec","chown _apt . 2>/dev/null || chmod 777 .; apt-get update -qq; apt-get download -qq \\"$@\\"","apt-get","docker.io=26.1.5"]]`,
      'withoutMount ["/var/lib/apt/lists"]',
    ]);
  });
});
