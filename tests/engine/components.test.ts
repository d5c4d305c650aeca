/**
 * The Go component stages on the real engine: each binary reports the
 * version build.toml pins, is statically linked (`file` says so, and it runs
 * in an empty container with no libc or loader), runc has seccomp, and a
 * wrong module hash in build.toml fails naming the key.
 */
import fs from "node:fs";
import path from "node:path";
import { dag, File } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import { Kios } from "../../.dagger/src/index.js";
import { parseBuildConfig } from "../../.dagger/src/config/index.js";
import { repoRoot } from "../../offline-engine/engine-env.js";
import { withKios } from "../support/kios.js";

const buildToml = fs.readFileSync(path.join(repoRoot, "build.toml"), "utf8");
const config = parseBuildConfig(buildToml);
const minutes = (n: number) => n * 60_000;

interface Probe {
  /** What `file -b` says about the binary. */
  file: string;
  /** stdout of the binary run with `args` in an empty container. */
  output: string;
}

/** `file` on the binary, and its output when run alone in a container with nothing else in it. */
async function probe(kios: Kios, binary: File, name: string, args: string[]): Promise<Probe> {
  const file = await (await kios.toolchain(["file"]))
    .withFile(`/probe/${name}`, binary)
    .withExec(["file", "-b", `/probe/${name}`])
    .stdout();
  const output = await dag.container().withFile(`/${name}`, binary).withExec([`/${name}`, ...args]).stdout();
  return { file, output };
}

function expectStatic(p: Probe): void {
  expect(p.file).toMatch(/^ELF 64-bit LSB executable, x86-64.*, statically linked/);
  expect(p.file).toMatch(/, stripped$/m);
}

/** The upstream part of a pinned Debian version: "2.6.0-2" -> "2.6.0". */
const upstream = (debianVersion: string) => debianVersion.replace(/^\d+:/, "").replace(/-[^-]+$/, "");

describe("Go component stages on the real engine", () => {
  it("builds static containerd and containerd-shim-runc-v2 at the pinned version", async () => {
    const { entries, containerd, shim } = await withKios(async (kios) => {
      const out = await kios.containerd();
      return {
        entries: await out.entries(),
        containerd: await probe(kios, out.file("containerd"), "containerd", ["--version"]),
        shim: await probe(kios, out.file("containerd-shim-runc-v2"), "containerd-shim-runc-v2", ["-v"]),
      };
    });
    expect(entries.sort()).toEqual(["containerd", "containerd-shim-runc-v2"]);
    expect(containerd.output.trim()).toMatch(new RegExp(`^containerd ${config.containerd.module} ${config.containerd.version}\\b`));
    expect(shim.output).toMatch(new RegExp(`^\\s*Version:\\s+${config.containerd.version}$`, "m"));
    expect(shim.output).toMatch(new RegExp(`^\\s*Go version:\\s+${config.go.toolchain}$`, "m"));
    expectStatic(containerd);
    expectStatic(shim);
  }, minutes(30));

  it("builds a static runc with seccomp at the pinned version", async () => {
    const runc = await withKios(async (kios) => probe(kios, await kios.runc(), "runc", ["--version"]));
    expect(runc.output).toMatch(new RegExp(`^runc version ${config.runc.version.slice(1)}$`, "m"));
    expect(runc.output).toMatch(new RegExp(`^go: ${config.go.toolchain}$`, "m"));
    // Linked against the libseccomp that build.toml pins for Debian.
    expect(runc.output).toMatch(new RegExp(`^libseccomp: ${upstream(config.debian.packages["libseccomp-dev"])}$`, "m"));
    expectStatic(runc);
  }, minutes(20));

  it("builds a static kubelet at the pinned version", async () => {
    const kubelet = await withKios(async (kios) => probe(kios, await kios.kubelet(), "kubelet", ["--version"]));
    expect(kubelet.output.trim()).toBe(`Kubernetes ${config.kubernetes.version}`);
    expectStatic(kubelet);
  }, minutes(60));

  it("builds a static pause stamped with the pinned Kubernetes version", async () => {
    const pause = await withKios(async (kios) => probe(kios, await kios.pause(), "pause", ["-v"]));
    expect(pause.output.trim()).toMatch(new RegExp(`^pause\\.c v\\d+\\.\\d+(\\.\\d+)?-${config.kubernetes.version}$`));
    expectStatic(pause);
  }, minutes(15));

  it("fails naming the key when a module's pinned hash is wrong", async () => {
    const wrong = "h1:" + "A".repeat(43) + "=";
    const edited = buildToml.replace(`sum = "${config.runc.sum}"`, `sum = "${wrong}"`);
    expect(parseBuildConfig(edited).runc.sum).toBe(wrong);
    const error = await withKios(async (kios) =>
      new Kios(kios.source.withNewFile("build.toml", edited), true).runc().then(
        () => undefined,
        (e: Error) => e.message,
      ),
    );
    expect(error).toContain(`build.toml: runc.sum: expected the go.sum hash of ${config.runc.module}@${config.runc.version}`);
    expect(error).toContain(JSON.stringify(wrong));
    // The hash the proxy and checksum database really give is the true pin.
    expect(error).toContain(JSON.stringify(config.runc.sum));
  }, minutes(20));
});
