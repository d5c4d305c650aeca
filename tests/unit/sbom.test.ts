/** The SBOM merge (sbom/merge.ts) on real syft output: structure, determinism, pins, errors. */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseBuildConfig } from "../../.dagger/src/config/index.js";
import { mergeSbom, ROOT_ID, type SbomParts } from "../../.dagger/src/sbom/merge.js";
import { sha512FromIntegrity, type SpdxDocument, stableJson, verificationCode } from "../../.dagger/src/sbom/spdx.js";
import { npmPins } from "../../.dagger/src/stages/node-tools.js";

const root = path.resolve(import.meta.dirname, "../..");
const fixture = (name: string): SpdxDocument => JSON.parse(fs.readFileSync(path.join(root, "tests/unit/fixtures/syft", `${name}.json`), "utf8"));
const config = parseBuildConfig(fs.readFileSync(path.join(root, "build.toml"), "utf8"));
const npm = npmPins(fs.readFileSync(path.join(root, "package-lock.json"), "utf8"), ["yaml", "zod"]);

function parts(change: Partial<SbomParts> = {}): SbomParts {
  return {
    scans: ["initramfs", "kernel", "image-pause", "image-node-services"].map((name) => ({ name, document: fixture(name) })),
    osRelease: 'NAME="kiOS"\nID=kios\nVERSION_ID=0.1.0\n',
    kernelRelease: "6.12.117",
    kernelOrigin: "debian",
    ownInit: true,
    config,
    npm,
    syftVersion: "1.57.2",
    ...change,
  };
}

const merged = (change?: Partial<SbomParts>): SpdxDocument => JSON.parse(mergeSbom(parts(change)));
const pkg = (doc: SpdxDocument, name: string) => doc.packages!.filter((p) => p.name === name);
const purl = (p: { externalRefs?: { referenceType: string; referenceLocator: string }[] }) =>
  p.externalRefs?.find((r) => r.referenceType === "purl")?.referenceLocator;

describe("mergeSbom", () => {
  it("makes one SPDX 2.3 document describing kiOS, created at SOURCE_DATE_EPOCH", () => {
    const doc = merged();
    expect(doc.spdxVersion).toBe("SPDX-2.3");
    expect(doc.name).toBe("kios-0.1.0");
    expect(doc.creationInfo.created).toBe("2026-01-01T00:00:00Z");
    expect(doc.creationInfo.creators).toEqual(["Organization: kiOS", "Tool: syft-1.57.2", "Tool: kios-sbom"]);
    expect(doc.relationships).toContainEqual({ spdxElementId: "SPDXRef-DOCUMENT", relatedSpdxElement: ROOT_ID, relationshipType: "DESCRIBES" });
  });

  it("gives the same bytes for the same inputs, whatever order syft listed things in, and a namespace from the content", () => {
    const shuffled = parts();
    for (const scan of shuffled.scans) {
      scan.document.packages?.reverse();
      scan.document.files?.reverse();
      scan.document.relationships?.reverse();
    }
    expect(mergeSbom(shuffled)).toBe(mergeSbom(parts()));
    const doc = merged();
    const hash = createHash("sha256").update(stableJson({ ...doc, documentNamespace: "" })).digest("hex");
    expect(doc.documentNamespace).toBe(`https://github.com/kios-project/kios/spdx/kios-0.1.0-${hash}`);
    expect(merged({ osRelease: 'NAME="kiOS"\nID=kios\nVERSION_ID=0.2.0\n' }).documentNamespace).not.toBe(doc.documentNamespace);
  });

  it("lists the initramfs's regular files with SHA1 and SHA256, contained by kiOS with their verification code; no directories or links", () => {
    const doc = merged();
    const contained = new Set(doc.relationships!.filter((r) => r.spdxElementId === ROOT_ID && r.relationshipType === "CONTAINS").map((r) => r.relatedSpdxElement));
    const files = doc.files!.filter((f) => contained.has(f.SPDXID));
    expect(files.map((f) => f.fileName).sort()).toEqual(
      ["./bin/mount", "./bin/runc", "./etc/os-release", "./init", "./lib/modules/6.12.117/kernel/net/netfilter/ipvs/ip_vs_rr.ko"],
    );
    for (const f of doc.files!) expect(f.checksums.map((c) => c.algorithm).sort(), f.fileName).toEqual(["SHA1", "SHA256"]);
    const kios = doc.packages!.find((p) => p.SPDXID === ROOT_ID)!;
    expect(kios.filesAnalyzed).toBe(true);
    const sha1s = files.map((f) => f.checksums.find((c) => c.algorithm === "SHA1")!.checksumValue);
    expect(kios.packageVerificationCode?.packageVerificationCodeValue).toBe(verificationCode(sha1s));
  });

  it("has unique identifiers, and every relationship joins two of them", () => {
    const doc = merged();
    const ids = [...doc.packages!, ...doc.files!].map((e) => e.SPDXID);
    expect(new Set(ids).size).toBe(ids.length);
    const known = new Set([...ids, "SPDXRef-DOCUMENT"]);
    for (const r of doc.relationships!) {
      expect(known.has(r.spdxElementId), r.spdxElementId).toBe(true);
      expect(known.has(r.relatedSpdxElement), r.relatedSpdxElement).toBe(true);
    }
  });

  it("gives a Go main module built from its zip build.toml's version instead of syft's UNKNOWN", () => {
    const [runc] = pkg(merged(), "github.com/opencontainers/runc");
    expect(runc?.versionInfo).toBe(config.runc.version);
    expect(purl(runc!)).toBe(`pkg:golang/github.com/opencontainers/runc@${config.runc.version}`);
    expect(pkg(fixture("initramfs") as SpdxDocument, "github.com/opencontainers/runc")[0]?.versionInfo).toBe("UNKNOWN");
  });

  it("keeps syft's dpkg packages of the images", () => {
    const [chrony] = pkg(merged(), "chrony");
    expect(chrony?.versionInfo).toBe(config.debian.packages.chrony);
    expect(purl(chrony!)).toMatch(/^pkg:deb\/debian\/chrony@.*distro=debian-13/);
  });

  it("adds what syft cannot see: QuickJS and libc linked into the init, kios-node's npm packages, the kernel and its config", () => {
    const doc = merged();
    const init = doc.files!.find((f) => f.fileName === "./init" && f.SPDXID.startsWith("SPDXRef-initramfs-"))!;
    const links = doc.relationships!.filter((r) => r.spdxElementId === init.SPDXID && r.relationshipType === "STATIC_LINK").map((r) => r.relatedSpdxElement);
    expect(links.sort()).toEqual(["SPDXRef-deb-libc6-dev", "SPDXRef-deb-libmnl-dev", "SPDXRef-deb-libquickjs"]);
    expect(pkg(doc, "libquickjs")[0]?.versionInfo).toBe(config.debian.packages.libquickjs);
    const zod = pkg(doc, "zod")[0]!;
    const lock = npm.find((p) => p.name === "zod")!;
    expect([zod.versionInfo, purl(zod)]).toEqual([lock.version, `pkg:npm/zod@${lock.version}`]);
    expect(zod.checksums).toEqual([{ algorithm: "SHA512", checksumValue: Buffer.from(lock.integrity.slice(7), "base64").toString("hex") }]);
    const kernel = doc.packages!.find((p) => p.SPDXID === "SPDXRef-kernel")!;
    expect([kernel.name, kernel.versionInfo, purl(kernel)]).toEqual(["linux", "6.12.117", "pkg:deb/debian/linux-source-6.12@6.12.117-1?arch=all&distro=debian-13"]);
    const config_ = doc.files!.find((f) => f.SPDXID.startsWith("SPDXRef-kernel-") && f.fileName === "./config")!;
    expect(doc.relationships).toContainEqual({ spdxElementId: "SPDXRef-kernel", relatedSpdxElement: config_.SPDXID, relationshipType: "CONTAINS" });
  });

  it("names the upstream tarball and its sha256 as the kernel's source when the build used it", () => {
    const kernel = merged({ kernelOrigin: "upstream" }).packages!.find((p) => p.SPDXID === "SPDXRef-kernel")!;
    expect(kernel.downloadLocation).toBe(config.kernel.tarball_url);
    expect(kernel.checksums).toEqual([{ algorithm: "SHA256", checksumValue: config.kernel.tarball_sha256 }]);
  });

  it("claims nothing about a downstream's prebuilt init", () => {
    const doc = merged({ ownInit: false });
    const init = doc.files!.find((f) => f.fileName === "./init")!;
    expect(doc.relationships!.filter((r) => r.spdxElementId === init.SPDXID)).toEqual([]);
  });

  it("fails naming a file it needs that a scan lacks, and a scan missing", () => {
    const noInit = parts();
    const doc = noInit.scans[0]!.document;
    doc.files = doc.files!.filter((f) => f.fileName !== "init");
    expect(() => mergeSbom(noInit)).toThrow("SBOM: the initramfs scan has no file init");
    expect(() => mergeSbom(parts({ scans: parts().scans.slice(1) }))).toThrow("SBOM: expected the initramfs scan, then the kernel's");
  });
});

describe("sha512FromIntegrity", () => {
  it("turns npm's base64 into 128 hex digits and refuses anything else", () => {
    expect(sha512FromIntegrity(`sha512-${Buffer.alloc(64, 1).toString("base64")}`)).toBe("01".repeat(64));
    expect(() => sha512FromIntegrity("sha1-abc=")).toThrow('"sha1-abc=": expected an npm sha512 integrity');
  });
});
