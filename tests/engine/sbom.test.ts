/**
 * The release's SBOM on the real engine, through the module's public
 * functions and without a boot: the SPDX project's validator accepts it
 * (and refuses a broken one); its files are the initramfs's, with their
 * checksums; containerd's Go modules are what `go version -m` reads from the
 * shipped binary; the Debian packages, the kernel and the npm packages are
 * the pinned ones; the UKI carries it at /usr/share/kios/sbom.spdx.json.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { dag } from "@dagger.io/dagger";
import { beforeAll, describe, expect, it } from "vitest";
import { parseBuildConfig } from "../../.dagger/src/config/index.js";
import type { SpdxDocument, SpdxFile } from "../../.dagger/src/sbom/spdx.js";
import { npmPins } from "../../.dagger/src/stages/node-tools.js";
import { repoRoot } from "../../offline-engine/engine-env.js";
import { withKios } from "../support/kios.js";

const config = parseBuildConfig(fs.readFileSync(path.join(repoRoot, "build.toml"), "utf8"));
const lock = npmPins(fs.readFileSync(path.join(repoRoot, "package-lock.json"), "utf8"), ["yaml", "zod"]);
const ROOT = "SPDXRef-kiOS";

let text = "";
let doc: SpdxDocument;
/** `sha256sum` of every regular file of the initramfs tree (root filesystem + kernel modules), "./path" -> sum. */
let treeSums = new Map<string, string>();
let goVersionM = "";
let kernelConfigSha256 = "";
let kernelRelease = "";
let nodeCopy = "";
let validation = "";
let brokenValidation = "";

beforeAll(async () => {
  await withKios(async (kios) => {
    const sbom = await kios.sbom();
    text = await sbom.contents();
    const kernel = await kios.kernel();
    const rootfs = await kios.rootfs();
    const tree = rootfs.withDirectory(".", kernel.modules);
    kernelConfigSha256 = createHash("sha256").update(await kernel.config.contents()).digest("hex");
    kernelRelease = (await kernel.modules.directory("lib/modules").entries())[0]!.replace(/\/$/, "");
    const sums = await (await kios.toolchain([]))
      .withDirectory("/tree", tree)
      .withWorkdir("/tree")
      .withExec(["sh", "-c", "find . -type f -print0 | xargs -0 sha256sum"])
      .stdout();
    treeSums = new Map(sums.trim().split("\n").map((l) => [l.slice(66), l.slice(0, 64)] as [string, string]));
    goVersionM = await (await kios.toolchain(["golang-go"]))
      .withFile("/containerd", rootfs.file("bin/containerd"))
      .withExec(["go", "version", "-m", "/containerd"])
      .stdout();
    // The UKI's .initrd: the root filesystem's archives (`initramfs`), then, 4-byte aligned, the SBOM's
    // (zstd; zstd stops with an error at what follows it), then the modules'.
    nodeCopy = await (await kios.toolchain(["binutils", "cpio", "zstd"]))
      .withFile("/uki.efi", await kios.uki())
      .withFile("/rootfs.cpio", await kios.initramfs())
      .withExec([
        "sh",
        "-ec",
        `objcopy -O binary --only-section=.initrd /uki.efi /initrd
         n=$(stat -c %s /rootfs.cpio)
         tail -c +$((n + (4 - n % 4) % 4 + 1)) /initrd > /rest
         zstd -dcq /rest > /sbom.cpio || true
         mkdir /x && cd /x && cpio -id --quiet < /sbom.cpio
         cat /x/usr/share/kios/sbom.spdx.json`,
      ])
      .stdout();
    validation = await kios.validateSbom(sbom);
    const broken = JSON.parse(text) as SpdxDocument;
    broken.files![0]!.checksums = broken.files![0]!.checksums.filter((c) => c.algorithm !== "SHA1");
    brokenValidation = await kios
      .validateSbom(dag.directory().withNewFile("broken.spdx.json", JSON.stringify(broken)).file("broken.spdx.json"))
      .then((s) => `accepted: ${s}`, (e: Error) => e.message);
  });
  doc = JSON.parse(text);
}, 60 * 60_000);

const packagesNamed = (name: string) => doc.packages!.filter((p) => p.name === name);
const initramfsFiles = (): SpdxFile[] => {
  const contained = new Set(doc.relationships!.filter((r) => r.spdxElementId === ROOT && r.relationshipType === "CONTAINS").map((r) => r.relatedSpdxElement));
  return doc.files!.filter((f) => contained.has(f.SPDXID));
};
const sha256 = (f: SpdxFile) => f.checksums.find((c) => c.algorithm === "SHA256")?.checksumValue;

describe("sbom", () => {
  it("is a valid SPDX 2.3 document for pyspdxtools, which refuses a broken one with its reasons", () => {
    expect(doc.spdxVersion).toBe("SPDX-2.3");
    expect(validation).toBe("kios.spdx.json: a valid SPDX 2.3 document (pyspdxtools 0.8.5)");
    expect(brokenValidation).toContain("pyspdxtools (spdx-tools 0.8.5) finds it invalid");
    expect(brokenValidation).toContain("checksums must contain a SHA1 algorithm checksum");
  });

  it("lists every regular file of the initramfs tree, and only those, with its sha256", () => {
    const files = initramfsFiles();
    expect(files.map((f) => f.fileName).sort()).toEqual([...treeSums.keys()].sort());
    for (const f of files) expect(sha256(f), f.fileName).toBe(treeSums.get(f.fileName));
    expect(files.map((f) => f.fileName)).toEqual(expect.arrayContaining(["./init", "./bin/containerd", "./bin/kubelet", "./etc/os-release"]));
  });

  it("lists containerd's Go modules exactly as `go version -m` reads them from the shipped binary, at build.toml's version", () => {
    const containerd = initramfsFiles().find((f) => f.fileName === "./bin/containerd")!;
    const byId = new Map(doc.packages!.map((p) => [p.SPDXID, p]));
    const evident = doc.relationships!
      .filter((r) => r.relatedSpdxElement === containerd.SPDXID && r.relationshipType === "OTHER")
      .map((r) => byId.get(r.spdxElementId)!)
      .filter((p) => p.name !== "stdlib");
    const fromGo = goVersionM
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[0] === "dep" || f[0] === "mod")
      .map((f) => `${f[1]} ${f[0] === "mod" ? config.containerd.version : f[2]}`);
    expect(fromGo.length).toBeGreaterThan(50);
    expect(evident.map((p) => `${p.name} ${p.versionInfo}`).sort()).toEqual(fromGo.sort());
  });

  it("has the node services image's Debian packages at build.toml's versions", () => {
    for (const name of ["dhcpcd-base", "chrony"]) {
      expect(packagesNamed(name).map((p) => p.versionInfo), name).toEqual([config.debian.packages[name]]);
    }
    expect(packagesNamed("libc6").length).toBe(1);
  });

  it("names the kernel's release and holds its .config's sha256", () => {
    const kernel = doc.packages!.find((p) => p.SPDXID === "SPDXRef-kernel")!;
    expect(kernel.versionInfo).toBe(kernelRelease);
    const contained = doc.relationships!.filter((r) => r.spdxElementId === kernel.SPDXID && r.relationshipType === "CONTAINS").map((r) => r.relatedSpdxElement);
    const config_ = doc.files!.find((f) => contained.includes(f.SPDXID) && f.fileName === "./config")!;
    expect(sha256(config_)).toBe(kernelConfigSha256);
  });

  it("has kios-node's npm packages at package-lock.json's versions and hashes", () => {
    for (const pin of lock) {
      const [p] = packagesNamed(pin.name);
      expect(p?.versionInfo, pin.name).toBe(pin.version);
      expect(p?.checksums?.[0]?.checksumValue).toBe(Buffer.from(pin.integrity.slice("sha512-".length), "base64").toString("hex"));
    }
  });

  it("is in the UKI, unchanged, at /usr/share/kios/sbom.spdx.json", () => {
    expect(nodeCopy).toBe(text);
  });
});
