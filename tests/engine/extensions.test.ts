/**
 * Extending kiOS without forking it, through the module's public with*
 * functions on the real engine: a static pod, a binary, an os-release and a
 * prebuilt init land in the node's root (and the UKI's .osrel), chained;
 * each bad addition is refused naming what is wrong. withKernelFragment is
 * exercised by the kernel tests (a changed and an unsatisfiable fragment).
 */
import { dag, type File } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { parseBuildConfig } from "../../.dagger/src/config/index.js";
import { withKios } from "../support/kios.js";
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../../offline-engine/engine-env.js";

const config = parseBuildConfig(fs.readFileSync(path.join(repoRoot, "build.toml"), "utf8"), "build.toml");
const TIMEOUT = 30 * 60_000;

function file(name: string, text: string): File {
  return dag.directory().withNewFile(name, text).file(name);
}

const helloPod = `apiVersion: v1
kind: Pod
metadata:
  name: hello
spec:
  hostNetwork: true
  containers:
    - name: hello
      image: registry.example/hello:1.0
`;

describe("extending kiOS (with*)", () => {
  it("puts a static pod, a binary, an os-release and a prebuilt init into the node's root", async () => {
    const found = await withKios(async (kios) => {
      const helper = (await kios.mountHelper()).file("bin/mount");
      const extended = await (
        await (await kios.withStaticPod(file("hello-pod.yaml", helloPod))).withBinary(helper, "acme-agent")
      ).withOsRelease("Acme Node OS", "acme", "1.2.3");
      const root = await extended.withInit(file("init", "not really an init\n")).rootfs();
      return {
        pod: await root.file("etc/kubernetes/manifests/hello.yaml").contents(),
        bin: await root.directory("bin").entries(),
        agent: await root.file("bin/acme-agent").digest(),
        helper: await helper.digest(),
        osRelease: await root.file("etc/os-release").contents(),
        init: await root.file("init").contents(),
        untouched: await (await kios.rootfs()).directory("bin").entries(),
      };
    });
    const pod = YAML.parse(found.pod);
    expect(pod.metadata).toEqual({ name: "hello", namespace: config.cluster.pod_namespace });
    expect(pod.spec.containers[0].image).toBe("registry.example/hello:1.0");
    expect(found.bin).toContain("acme-agent");
    expect(found.bin).toEqual(expect.arrayContaining(["containerd", "kubelet", "runc"]));
    expect(found.agent).toBe(found.helper);
    expect(found.osRelease).toBe('NAME="Acme Node OS"\nID=acme\nID_LIKE=kios\nVERSION_ID=1.2.3\nPRETTY_NAME="Acme Node OS 1.2.3"\n');
    expect(found.init).toBe("not really an init\n");
    // The object it started from is unchanged.
    expect(found.untouched).not.toContain("acme-agent");
  }, TIMEOUT);

  it("writes the distro's os-release into the UKI's .osrel", async () => {
    const osrel = await withKios(async (kios) => {
      const uki = await (await kios.withOsRelease("Acme Node OS", "acme")).uki();
      return (await kios.toolchain(["binutils"]))
        .withFile("/uki.efi", uki)
        .withExec(["objcopy", "-O", "binary", "--only-section=.osrel", "/uki.efi", "/osrel"])
        .file("/osrel")
        .contents();
    });
    expect(osrel).toContain('NAME="Acme Node OS"\nID=acme\nID_LIKE=kios\n');
    expect(osrel).toContain(`VERSION_ID=${config.release.version}\n`);
  }, TIMEOUT);

  it("refuses bad additions, naming what is wrong", async () => {
    const errors = await withKios(async (kios) => {
      const attempt = async (fn: () => Promise<unknown>) => {
        try {
          await fn();
          return "no error";
        } catch (e) {
          return (e as Error).message;
        }
      };
      const deployment = helloPod.replace("kind: Pod", "kind: Deployment");
      return {
        notPod: await attempt(() => kios.withStaticPod(file("web.yaml", deployment))),
        reserved: await attempt(() => kios.withStaticPod(file("x.yaml", helloPod.replace("name: hello\nspec", "name: kios-dhcp\nspec")))),
        notYaml: await attempt(() => kios.withStaticPod(file("bad.yaml", "kind: [Pod"))),
        ourBinary: await attempt(async () => (await kios.withBinary(file("kubelet", "x"))).rootfs()),
        binaryName: await attempt(() => kios.withBinary(file("x", "x"), "../etc/passwd")),
        fragmentName: await attempt(async () => kios.withKernelFragment("wireguard", file("w", "CONFIG_WIREGUARD=y\n"))),
        osId: await attempt(() => kios.withOsRelease("Acme", "Acme OS")),
      };
    });
    expect(errors.notPod).toMatch(/^withStaticPod: web\.yaml: kind: .*"Pod"/);
    expect(errors.reserved).toMatch(/^withStaticPod: x\.yaml: metadata\.name: .*kios-/);
    expect(errors.notYaml).toMatch(/^withStaticPod: bad\.yaml: not valid YAML/);
    expect(errors.ourBinary).toContain("withBinary: /bin/kubelet is kiOS's own");
    expect(errors.binaryName).toMatch(/^withBinary: name "\.\.\/etc\/passwd": a plain file name/);
    expect(errors.fragmentName).toMatch(/^withKernelFragment: name "wireguard": a file name ending in \.config/);
    expect(errors.osId).toMatch(/^withOsRelease: id "Acme OS"/);
  }, TIMEOUT);
});
