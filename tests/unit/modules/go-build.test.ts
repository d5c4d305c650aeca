/** modules/go-build: its schema (SDK introspector), the go build recipe, its errors and the root adapter's. */
import { Container, ExecError } from "@dagger.io/dagger";
import { beforeAll, describe, expect, it } from "vitest";
import type { StageContext } from "../../../.dagger/src/context.js";
import * as root from "../../../.dagger/src/stages/go.js";
import {
  binaryName,
  fetchGoModule,
  GO_BUILD_PACKAGES,
  goBuildArgs,
  GoBuildSettings,
  GoSumMismatchError,
  goWorkspace,
} from "../../../modules/go-build/src/go.js";
import { withPublishedReplaces } from "../../../modules/go-build/src/replaces.js";
import { ModuleSchema, scanModule } from "../../../offline-engine/module-schema.js";

let schema: ModuleSchema;
beforeAll(async () => {
  schema = await scanModule("modules/go-build/src", "go-build");
});

/** What a stand-in container's stdout() and sync() give, from the calls made on it. */
type Respond = (ops: string[]) => string;

/** A stand-in Container that records the calls made on it, in order. */
function recorder(ops: string[], respond: Respond = () => ""): Container {
  const chained = (name: string) => (...args: unknown[]) => recorder([...ops, `${name} ${JSON.stringify(args, (_, v) => (v?.ops ? v.ops.join("|") : v))}`], respond);
  return new Proxy({} as Container, {
    get: (_, name) => {
      if (name === "ops") return ops;
      if (typeof name === "symbol" || name === "toJSON" || name === "then") return undefined;
      if (name === "stdout") return async () => respond(ops);
      if (name === "sync") return async () => (respond(ops), recorder(ops, respond));
      return chained(name);
    },
  });
}
const ops = (c: unknown) => (c as { ops: string[] }).ops;
const lastExec = (ops: string[]) => ops.filter((o) => o.startsWith("withExec")).at(-1) ?? "";

const pin = { module: "go.etcd.io/etcd/server/v3", version: "v3.7.3", sum: "h1:right" };
/** `go mod download -json` gives the module at h1:right; go.mod replaces two siblings with ../, one of them required. */
const proxy: Respond = (ops) => {
  const exec = lastExec(ops);
  if (exec.includes('"download","-json"')) return JSON.stringify({ Dir: "/tmp/fetch/m@v", Sum: "h1:right" });
  if (exec.includes('"edit","-json"')) {
    return JSON.stringify({
      Require: [{ Path: "go.etcd.io/etcd/api/v3" }],
      Replace: [
        { Old: { Path: "go.etcd.io/etcd/api/v3" }, New: { Path: "../api" } },
        { Old: { Path: "go.etcd.io/etcd/tests/v3" }, New: { Path: "../tests" } },
      ],
    });
  }
  return "";
};
const settings = (respond: Respond = proxy): GoBuildSettings => ({
  toolchain: recorder(["toolchain"], respond),
  goroot: "/opt/go",
  goVersion: "go1.26.8",
  goVersionName: "goVersion",
  modCache: recorder(["mod"]) as never,
  buildCache: recorder(["build"]) as never,
  sourceDateEpoch: 1700000000,
});
const ctx = (respond: Respond = proxy) =>
  ({
    config: { go: { toolchain: "go1.26.8" }, reproducible: { source_date_epoch: 1700000000 } },
    toolchain: (packages: string[]) => recorder([`toolchain ${packages.join(",")}`], respond),
    cache: (name: string) => recorder([`cache ${name}`]),
  }) as unknown as StageContext;
const execError = (stdout: string, stderr: string) => new ExecError("exit 1", { cmd: ["go"], exitCode: 1, stdout, stderr });

describe("modules/go-build schema", () => {
  it("has the GoBuild object only: a toolchain container, the Go version, optional caches, SOURCE_DATE_EPOCH", () => {
    expect(Object.keys(schema.objects)).toEqual(["GoBuild"]);
    const args = schema.objects.GoBuild.constructor!.arguments;
    expect(Object.keys(args)).toEqual(["toolchain", "goVersion", "modCache", "buildCache", "sourceDateEpoch"]);
    expect(args.toolchain).toMatchObject({ type: { kind: "OBJECT_KIND", name: "Container" }, isOptional: false });
    expect(args.goVersion).toMatchObject({ type: { kind: "STRING_KIND" }, isOptional: false });
    for (const name of ["modCache", "buildCache"]) expect(args[name]).toMatchObject({ type: { kind: "OBJECT_KIND", name: "CacheVolume" }, isOptional: true });
    expect(args.sourceDateEpoch).toMatchObject({ type: { kind: "INTEGER_KIND" }, defaultValue: 0 });
  });

  it("has packages(), source(), workspace() and build() with these types", () => {
    const m = schema.objects.GoBuild.methods;
    expect(Object.keys(m).sort()).toEqual(["build", "packages", "source", "workspace"]);
    const list = { kind: "LIST_KIND", typeDef: { kind: "STRING_KIND" } };
    expect(m.packages.returnType).toEqual(list);
    expect(m.source.returnType).toEqual({ kind: "OBJECT_KIND", name: "Directory" });
    expect(Object.keys(m.source.arguments)).toEqual(["module", "version", "sum"]);
    expect(m.workspace.returnType).toEqual({ kind: "OBJECT_KIND", name: "Container" });
    expect(m.workspace.arguments.source.type).toEqual({ kind: "OBJECT_KIND", name: "Directory" });
    expect(m.workspace.arguments.localReplaces.isOptional).toBe(true);
    expect(m.workspace.arguments.publishedVersion.isOptional).toBe(true);
    expect(m.build.returnType).toEqual({ kind: "OBJECT_KIND", name: "Directory" });
    expect(Object.keys(m.build.arguments)).toEqual(["module", "version", "sum", "packages", "tags", "ldflags", "cgo"]);
    expect(m.build.arguments.packages).toMatchObject({ type: list, isOptional: false });
    expect(m.build.arguments.tags).toMatchObject({ type: list, defaultValue: [] });
    expect(m.build.arguments.cgo).toMatchObject({ type: { kind: "BOOLEAN_KIND" }, defaultValue: false });
  });

});

describe("go build arguments and binary names", () => {
  it("builds trimmed and stripped, with tags, -X stamps and more linker flags", () => {
    expect(goBuildArgs({ pkg: ".", name: "runc", tags: ["seccomp", "netgo"], stamps: { "main.v": "1" }, ldflags: ["-extldflags", "-static"] })).toEqual(
      ["go", "build", "-trimpath", "-buildvcs=false", "-tags", "seccomp,netgo", "-ldflags", "-s -w -X 'main.v=1' -extldflags -static", "-o", "/out/runc", "."],
    );
    expect(root.goBuildArgs).toBe(goBuildArgs);
    expect([root.OUT, root.SRC]).toEqual(["/out", "/src"]);
  });

  it("names a binary like the go command, and refuses what is not a package directory", () => {
    expect(binaryName("github.com/rhysd/actionlint", "./cmd/actionlint")).toBe("actionlint");
    expect(binaryName("github.com/opencontainers/runc", ".")).toBe("runc");
    expect(binaryName("go.etcd.io/etcd/server/v3", ".")).toBe("server");
    for (const bad of ["cmd/x", "./cmd/...", "../x", "./a/../b", "./a b", ""]) expect(() => binaryName("m", bad)).toThrow(/main package directory of m/);
  });

  it("needs golang-go, gcc and libc6-dev; the root adds runc's libseccomp-dev and pkg-config, in today's order", () => {
    expect(GO_BUILD_PACKAGES).toEqual(["golang-go", "gcc", "libc6-dev"]);
    expect(root.goPackages).toEqual(["golang-go", "gcc", "libc6-dev", "libseccomp-dev", "pkg-config"]);
  });
});

describe("the Go builder and workspace", () => {
  it("fetches the toolchain into goroot, checks its version naming goVersionName, and builds with it", () => {
    const [exec] = ops(goWorkspace(settings(), recorder(["source"]) as never)).filter((o) => o.startsWith("withExec"));
    expect(exec).toContain('cp -a \\"$goroot\\" /opt/go');
    expect(exec).toContain("goVersion: expected $1, the fetched toolchain is $found");
    expect(exec).toMatch(/"sh","go1\.26\.8"\]\]$/);
    expect(ops(goWorkspace(settings(), recorder(["source"]) as never)).slice(-13)).toEqual([
      'withEnvVariable ["PATH","/opt/go/bin:${PATH}",{"expand":true}]',
      'withEnvVariable ["GOTOOLCHAIN","local"]',
      'withMountedCache ["/go/pkg/mod","mod"]',
      'withMountedCache ["/root/.cache/go-build","build"]',
      'withEnvVariable ["GOMODCACHE","/go/pkg/mod"]',
      'withEnvVariable ["GOCACHE","/root/.cache/go-build"]',
      'withEnvVariable ["GOFLAGS","-mod=readonly"]',
      'withEnvVariable ["GOWORK","off"]',
      'withEnvVariable ["CGO_ENABLED","0"]',
      'withEnvVariable ["SOURCE_DATE_EPOCH","1700000000"]',
      'withDirectory ["/src","source"]',
      'withWorkdir ["/src"]',
      'withExec [["mkdir","-p","/out"]]',
    ]);
  });

  it("gives the root build.toml's toolchain, /usr/local/go, its caches and its packages", () => {
    const builder = ops(root.goBuilder(ctx()));
    expect(builder[0]).toBe("toolchain golang-go,gcc,libc6-dev,libseccomp-dev,pkg-config");
    expect(builder.join("\n")).toContain("build.toml: go.toolchain: expected $1, the fetched toolchain is $found");
    expect(builder).toContain('withEnvVariable ["PATH","/usr/local/go/bin:${PATH}",{"expand":true}]');
    const workspace = ops(root.goWorkspace(ctx(), { key: "etcd", pin, dir: recorder(["source"]) as never }));
    expect(workspace).toContain('withMountedCache ["/go/pkg/mod","cache go-mod"]');
    expect(workspace).toContain('withMountedCache ["/root/.cache/go-build","cache go-build"]');
    expect(workspace.at(-1)).toBe('withExec [["mkdir","-p","/out"]]');
  });
});

describe("fetching a module", () => {
  it("gives the module's directory from the proxy's download", async () => {
    const dir = ops(await fetchGoModule(settings(), pin.module, pin.version, pin.sum));
    expect(dir.slice(-2)).toEqual([`withExec [["go","mod","download","-json","${pin.module}@${pin.version}"]]`, 'directory ["/tmp/fetch/m@v"]']);
  });

  it("fails naming the module and both hashes; the root names build.toml's <key>.sum", async () => {
    const wrong = fetchGoModule(settings(), pin.module, pin.version, "h1:wrong");
    await expect(wrong).rejects.toBeInstanceOf(GoSumMismatchError);
    await expect(wrong).rejects.toThrow(`${pin.module}@${pin.version}: expected the go.sum hash "h1:wrong"; the Go module proxy and checksum database give "h1:right"`);
    await expect(root.fetchGoModule(ctx(), "etcd", { ...pin, sum: "h1:wrong" })).rejects.toThrow(
      `build.toml: etcd.sum: expected the go.sum hash of ${pin.module}@${pin.version}, found "h1:wrong"; the Go module proxy and checksum database give "h1:right"`,
    );
  });

  it("fails with the go command's own error when the proxy has no such module", async () => {
    const missing: Respond = () => {
      throw execError(JSON.stringify({ Error: "unknown revision v9" }), "");
    };
    await expect(fetchGoModule(settings(missing), pin.module, "v9", pin.sum)).rejects.toThrow(`cannot download ${pin.module}@v9 from the Go module proxy: unknown revision v9`);
    await expect(root.fetchGoModule(ctx(missing), "etcd", { ...pin, version: "v9" })).rejects.toThrow(
      `build.toml: etcd: cannot download ${pin.module}@v9 from the Go module proxy: unknown revision v9`,
    );
  });
});

describe("published replaces", () => {
  it("drops the local replaces and requires the required ones at the published version", async () => {
    const workspace = ops(await withPublishedReplaces(recorder(["workspace"], proxy), "../", "v3.7.3"));
    expect(workspace.slice(-2)).toEqual([
      'withExec [["go","mod","edit","-dropreplace=go.etcd.io/etcd/api/v3","-dropreplace=go.etcd.io/etcd/tests/v3","-require=go.etcd.io/etcd/api/v3@v3.7.3"]]',
      'withExec [["go","mod","download","go.etcd.io/etcd/api/v3@v3.7.3"]]',
    ]);
  });

  it("fails when go.mod replaces nothing required there; the root names the build.toml table", async () => {
    await expect(withPublishedReplaces(recorder(["workspace"], proxy), "./staging/", "v0")).rejects.toThrow("go.mod requires no ./staging/ module");
    const source = { key: "etcd" as const, pin, dir: recorder(["source"]) as never };
    await expect(root.withPublishedReplaces(ctx(), source, "./staging/", "v0", "w")).rejects.toThrow(
      `build.toml: etcd: ${pin.module}@${pin.version}'s go.mod requires no ./staging/ module`,
    );
  });

  it("fails with go's stderr when the published modules cannot be had; the root names <key>.version", async () => {
    const unpublished: Respond = (ops) => {
      if (lastExec(ops).includes('"download","go.etcd')) throw execError("", "  not found: v0.0.0\n");
      return proxy(ops);
    };
    await expect(withPublishedReplaces(recorder(["workspace"], unpublished), "../", "v0.0.0")).rejects.toThrow(
      "the modules go.mod replaces with ../... at v0.0.0 cannot be had from the Go module proxy: not found: v0.0.0",
    );
    const source = { key: "etcd" as const, pin, dir: recorder(["source"]) as never };
    await expect(root.withPublishedReplaces(ctx(unpublished), source, "../", "v0.0.0", "etcd's sibling modules")).rejects.toThrow(
      "build.toml: etcd.version: etcd's sibling modules at v0.0.0 cannot be had from the Go module proxy: not found: v0.0.0",
    );
  });
});
