/** build.toml validation: each bad input gives one exact error naming the key. */
import fs from "node:fs";
import path from "node:path";
import toml from "@iarna/toml";
import { describe, expect, it } from "vitest";
import { ConfigError, parseBuildConfig } from "../../.dagger/src/config/index.js";
import { repoRoot } from "../../offline-engine/engine-env.js";

const goodToml = fs.readFileSync(path.join(repoRoot, "build.toml"), "utf8");
type Table = Record<string, any>;

function errorOf(text: string): string {
  try {
    parseBuildConfig(text, "build.toml");
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError, but the input was accepted");
}

/** The repository's build.toml with one change applied. */
function changed(edit: (t: Table) => void): string {
  const t = toml.parse(goodToml) as Table;
  edit(t);
  return toml.stringify(t);
}

describe("build.toml", () => {
  it("accepts the repository's build.toml", () => {
    const config = parseBuildConfig(goodToml);
    expect(config.base.image).toMatch(/^docker\.io\/library\/debian:trixie-slim@sha256:[0-9a-f]{64}$/);
    expect(config.base.offline_archive).toBe("kios-base-trixie.tar");
    expect(config.kubernetes.module).toBe("k8s.io/kubernetes");
  });

  it("survives its own round trip through a TOML writer", () => {
    expect(parseBuildConfig(changed(() => {}))).toEqual(parseBuildConfig(goodToml));
  });

  const pinned = "an image reference pinned by digest (name@sha256:<64 hex digits>)";
  const bad: [string, string, string][] = [
    ["not TOML", "[base\nimage = 1", "build.toml: line 1, column 7: invalid TOML: Unexpected character, expected whitespace, . or ]"],
    ["no [base]", changed((t) => delete t.base), "build.toml: base: missing, expected object"],
    ["base is a string", changed((t) => (t.base = "debian")), 'build.toml: base: expected object, found "debian"'],
    ["image missing", changed((t) => delete t.base.image), "build.toml: base.image: missing, expected string"],
    ["image is a number", changed((t) => (t.base.image = 12)), "build.toml: base.image: expected string, found number 12"],
    ["image by tag only", changed((t) => (t.base.image = "debian:trixie-slim")), `build.toml: base.image: expected ${pinned}, found "debian:trixie-slim"`],
    ["short digest", changed((t) => (t.base.image = "debian@sha256:abc")), `build.toml: base.image: expected ${pinned}, found "debian@sha256:abc"`],
    ["archive with a directory", changed((t) => (t.base.offline_archive = "../x.tar")),
      'build.toml: base.offline_archive: expected an image archive file name (name.tar, no directories), found "../x.tar"'],
    ["archive is a table", changed((t) => (t.base.offline_archive = { x: 1 })), "build.toml: base.offline_archive: expected string, found a table"],
    ["unknown key in [base]", changed((t) => (t.base.mirror = "x")), "build.toml: base.mirror: unknown key"],
    ["unknown section", changed((t) => (t.extra = {})), "build.toml: extra: unknown key"],
    ["release version with a v", changed((t) => (t.release.version = "v0.1.0")),
      'build.toml: release.version: expected a release version (X.Y.Z), found "v0.1.0"'],
    ["epoch as a string", changed((t) => (t.reproducible.source_date_epoch = "2026")),
      'build.toml: reproducible.source_date_epoch: expected number, found "2026"'],
    ["epoch before 1980", changed((t) => (t.reproducible.source_date_epoch = 5)),
      "build.toml: reproducible.source_date_epoch: expected a Unix time after 1980-01-01, found number 5"],
    ["epoch not whole", changed((t) => (t.reproducible.source_date_epoch = 1.5)),
      "build.toml: reproducible.source_date_epoch: expected integer, found number 1.5"],
    ["build host with a space", changed((t) => (t.reproducible.build_host = "my host")),
      'build.toml: reproducible.build_host: expected a DNS name (lowercase labels separated by dots), found "my host"'],
    ["Debian version with a space", changed((t) => (t.debian.packages.gcc = "14 2")),
      'build.toml: debian.packages.gcc: expected a Debian package version, found "14 2"'],
    ["kernel version word", changed((t) => (t.kernel.version = "latest")),
      'build.toml: kernel.version: expected a kernel version (6.12.57), found "latest"'],
    ["kernel tarball over http", changed((t) => (t.kernel.tarball_url = "http://cdn.kernel.org/x.tar.xz")),
      'build.toml: kernel.tarball_url: expected an https:// URL, found "http://cdn.kernel.org/x.tar.xz"'],
    ["kernel checksum too short", changed((t) => (t.kernel.tarball_sha256 = "abc")),
      'build.toml: kernel.tarball_sha256: expected a sha256 checksum (64 lowercase hex digits), found "abc"'],
    ["empty kernel command line", changed((t) => (t.kernel.cmdline = "")),
      'build.toml: kernel.cmdline: expected a non-empty kernel command line, found ""'],
    ["Go toolchain without go prefix", changed((t) => (t.go.toolchain = "1.26.8")),
      'build.toml: go.toolchain: expected a Go toolchain version (go1.26.8), found "1.26.8"'],
    ["module version is a branch", changed((t) => (t.containerd.version = "main")),
      'build.toml: containerd.version: expected a released Go module version (vX.Y.Z), found "main"'],
    ["module sum not h1", changed((t) => (t.runc.sum = "sha256:abc")),
      'build.toml: runc.sum: expected a go.sum hash (h1:<base64 sha256>), found "sha256:abc"'],
    ["module path without host", changed((t) => (t.kubernetes.module = "kubernetes")),
      'build.toml: kubernetes.module: expected a Go module path (host/path), found "kubernetes"'],
    ["unknown key in a module pin", changed((t) => (t.kubernetes.replace = true)), "build.toml: kubernetes.replace: unknown key"],
    ["cluster domain uppercase", changed((t) => (t.cluster.domain = "Cluster.Local")),
      'build.toml: cluster.domain: expected a DNS name (lowercase labels separated by dots), found "Cluster.Local"'],
    ["namespace too long", changed((t) => (t.cluster.pod_namespace = "x".repeat(64))),
      `build.toml: cluster.pod_namespace: expected a Kubernetes namespace name, found "${"x".repeat(64)}"`],
  ];
  it.each(bad)("rejects %s", (_name, text, message) => {
    expect(errorOf(text)).toBe(message);
  });

  it("reports every problem, one per line", () => {
    const message = errorOf(changed((t) => {
      t.go.toolchain = 1;
      t.cluster.domain = "";
    }));
    expect(message.split("\n")).toEqual([
      "build.toml: go.toolchain: expected string, found number 1",
      'build.toml: cluster.domain: expected a DNS name (lowercase labels separated by dots), found ""',
    ]);
  });
});
