/**
 * One SPDX 2.3 document for a kiOS release from syft's scans (the initramfs
 * tree, the kernel, each image) and what syft cannot see: the kernel's
 * source, QuickJS and the C libraries linked into the init and kios-node,
 * kios-node's npm packages, the Go components' own versions (syft reads
 * "(devel)" from a module built out of its zip). Pure: same inputs, same bytes.
 */
import type { BuildConfig } from "../config/index.js";
import type { NpmPin } from "../stages/node-tools.js";
import { ownPackages, type KernelOrigin, type OwnParts } from "./own.js";
import {
  fileChecksum,
  purlRef,
  sha256Hex,
  type SpdxDocument,
  type SpdxFile,
  type SpdxPackage,
  type SpdxRelationship,
  stableJson,
  verificationCode,
} from "./spdx.js";

export type { KernelOrigin };

/** One syft document; `name` prefixes its SPDX identifiers ("initramfs", "kernel", "image-<name>"). */
export interface SyftScan {
  name: string;
  document: SpdxDocument;
}

export interface SbomParts {
  /** The initramfs tree's scan first, then the kernel's, then the images'. */
  scans: SyftScan[];
  /** The node's /etc/os-release (NAME, ID, VERSION_ID). */
  osRelease: string;
  /** The kernel's release (lib/modules/<release>). */
  kernelRelease: string;
  kernelOrigin: KernelOrigin;
  /** Whether /init is kiOS's own (QuickJS) rather than a downstream's prebuilt one. */
  ownInit: boolean;
  config: BuildConfig;
  npm: NpmPin[];
  syftVersion: string;
}

export const ROOT_ID = "SPDXRef-kiOS";
export const KERNEL_ID = "SPDXRef-kernel";
const ZERO_SHA1 = "0".repeat(40);

function osReleaseField(text: string, key: string): string | undefined {
  const m = new RegExp(`^${key}=(.*)$`, "m").exec(text);
  return m?.[1]?.replace(/^"(.*)"$/, "$1");
}

/** The merged document as stable JSON, its namespace derived from its content. */
export function mergeSbom(parts: SbomParts): string {
  const [initramfs, kernel] = parts.scans;
  if (initramfs?.name !== "initramfs" || kernel?.name !== "kernel") throw new Error("SBOM: expected the initramfs scan, then the kernel's");
  const name = osReleaseField(parts.osRelease, "NAME") ?? "kiOS";
  const id = osReleaseField(parts.osRelease, "ID") ?? "kios";
  const version = osReleaseField(parts.osRelease, "VERSION_ID") ?? parts.config.release.version;

  const packages = new Map<string, SpdxPackage>();
  const files = new Map<string, SpdxFile>();
  const relationships: SpdxRelationship[] = [];
  const licenses = new Map<string, NonNullable<SpdxDocument["hasExtractedLicensingInfos"]>[number]>();

  for (const scan of parts.scans) {
    // The scan's own root stands for kiOS (initramfs) or the kernel build; an image keeps its root.
    const rootId = (scan.document.packages ?? []).find((p) => p.SPDXID.startsWith("SPDXRef-DocumentRoot-"))?.SPDXID;
    const rename = (spdxId: string): string => {
      if (spdxId === rootId && scan.name === "initramfs") return ROOT_ID;
      if (spdxId === rootId && scan.name === "kernel") return KERNEL_ID;
      return spdxId.replace(/^SPDXRef-/, `SPDXRef-${scan.name}-`);
    };
    const dropped = new Set<string>(["SPDXRef-DOCUMENT"]);
    for (const file of scan.document.files ?? []) {
      // Directories and symbolic links: syft gives them an all-zero SHA1 and no SHA256.
      if (!file.checksums.some((c) => c.algorithm === "SHA256") && file.checksums.every((c) => c.checksumValue === ZERO_SHA1)) {
        dropped.add(file.SPDXID);
        continue;
      }
      const fileName = `./${file.fileName.replace(/^\.?\/+/, "")}`;
      files.set(rename(file.SPDXID), { ...file, SPDXID: rename(file.SPDXID), fileName });
    }
    for (const pkg of scan.document.packages ?? []) {
      if (pkg.SPDXID === rootId && scan.name !== "initramfs" && scan.name !== "kernel") {
        packages.set(rename(pkg.SPDXID), { ...pkg, SPDXID: rename(pkg.SPDXID), primaryPackagePurpose: "CONTAINER" });
        relationships.push({ spdxElementId: ROOT_ID, relatedSpdxElement: rename(pkg.SPDXID), relationshipType: "CONTAINS" });
      } else if (pkg.SPDXID !== rootId) {
        packages.set(rename(pkg.SPDXID), withGoVersion({ ...pkg, SPDXID: rename(pkg.SPDXID) }, parts.config));
      }
    }
    for (const r of scan.document.relationships ?? []) {
      if (dropped.has(r.spdxElementId) || dropped.has(r.relatedSpdxElement)) continue;
      relationships.push({ ...r, spdxElementId: rename(r.spdxElementId), relatedSpdxElement: rename(r.relatedSpdxElement) });
    }
    for (const l of scan.document.hasExtractedLicensingInfos ?? []) {
      const seen = licenses.get(l.licenseId);
      if (seen && seen.extractedText !== l.extractedText) throw new Error(`SBOM: two texts for license ${l.licenseId}`);
      licenses.set(l.licenseId, l);
    }
  }

  const fileId = (scan: string, path: string): string => {
    const found = [...files.values()].find((f) => f.SPDXID.startsWith(`SPDXRef-${scan}-`) && f.fileName === `./${path}`);
    if (!found) throw new Error(`SBOM: the ${scan} scan has no file ${path}`);
    return found.SPDXID;
  };
  const own = ownPackages({ ...parts, fileId } satisfies OwnParts);
  for (const p of own.packages) packages.set(p.SPDXID, p);
  relationships.push(...own.relationships);

  packages.set(ROOT_ID, {
    SPDXID: ROOT_ID,
    name,
    versionInfo: version,
    supplier: `Organization: ${name}`,
    downloadLocation: "NOASSERTION",
    primaryPackagePurpose: "OPERATING-SYSTEM",
    licenseConcluded: "NOASSERTION",
    licenseDeclared: "NOASSERTION",
    copyrightText: "NOASSERTION",
    externalRefs: [purlRef(`pkg:generic/${id}@${version}`)],
    comment: "The node's unified kernel image: its kernel, and its initramfs files (the root filesystem and the kernel's modules).",
  });
  relationships.push(
    { spdxElementId: "SPDXRef-DOCUMENT", relatedSpdxElement: ROOT_ID, relationshipType: "DESCRIBES" },
    { spdxElementId: ROOT_ID, relatedSpdxElement: KERNEL_ID, relationshipType: "CONTAINS" },
  );
  for (const f of files.keys()) {
    if (f.startsWith("SPDXRef-initramfs-")) relationships.push({ spdxElementId: ROOT_ID, relatedSpdxElement: f, relationshipType: "CONTAINS" });
  }

  const rels = uniqueSorted(relationships);
  for (const pkg of packages.values()) analyzeFiles(pkg, rels, files);

  const document: SpdxDocument = {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name: `${id}-${version}`,
    documentNamespace: "",
    creationInfo: {
      licenseListVersion: parts.scans[0]!.document.creationInfo.licenseListVersion,
      creators: [`Organization: ${name}`, `Tool: syft-${parts.syftVersion}`, "Tool: kios-sbom"],
      created: new Date(parts.config.reproducible.source_date_epoch * 1000).toISOString().replace(/\.000Z$/, "Z"),
    },
    packages: [...packages.values()].sort(bySpdxId),
    files: [...files.values()].sort(bySpdxId),
    relationships: rels,
    hasExtractedLicensingInfos: licenses.size ? [...licenses.values()].sort((a, b) => cmp(a.licenseId, b.licenseId)) : undefined,
  };
  document.documentNamespace = `https://github.com/kios-project/kios/spdx/${id}-${version}-${sha256Hex(stableJson(document))}`;
  return stableJson(document);
}

/**
 * A Go main module without a version (built from its module zip, the binary
 * says "(devel)"; syft writes UNKNOWN): the version build.toml pins for it,
 * in the package, its purl and its CPE.
 */
function withGoVersion(pkg: SpdxPackage, config: BuildConfig): SpdxPackage {
  if (!pkg.SPDXID.includes("-Package-go-module-") || !["(devel)", "UNKNOWN"].includes(pkg.versionInfo ?? "")) return pkg;
  const pin = [config.containerd, config.runc, config.kubernetes, config.cni_plugins].find((p) => p.module === pkg.name);
  if (!pin) return pkg;
  const externalRefs = (pkg.externalRefs ?? []).map((r) => {
    if (r.referenceType === "purl") return purlRef(`pkg:golang/${pin.module}@${pin.version}`);
    const cpe = r.referenceLocator.split(":");
    if (r.referenceType === "cpe23Type" && cpe[5] === "*") return { ...r, referenceLocator: [...cpe.slice(0, 5), pin.version, ...cpe.slice(6)].join(":") };
    return r;
  });
  return { ...pkg, versionInfo: pin.version, externalRefs, comment: "version: build.toml's pin (the binary, built from the module zip, says (devel))" };
}

/** A package that CONTAINS files has them analyzed: filesAnalyzed and the verification code of their SHA1s. */
function analyzeFiles(pkg: SpdxPackage, relationships: SpdxRelationship[], files: Map<string, SpdxFile>): void {
  const contained = relationships
    .filter((r) => r.spdxElementId === pkg.SPDXID && r.relationshipType === "CONTAINS" && files.has(r.relatedSpdxElement))
    .map((r) => fileChecksum(files.get(r.relatedSpdxElement)!, "SHA1"));
  if (contained.length === 0) return;
  pkg.filesAnalyzed = true;
  pkg.packageVerificationCode = { packageVerificationCodeValue: verificationCode(contained) };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function bySpdxId(a: { SPDXID: string }, b: { SPDXID: string }): number {
  return cmp(a.SPDXID, b.SPDXID);
}

function uniqueSorted(relationships: SpdxRelationship[]): SpdxRelationship[] {
  const key = (r: SpdxRelationship) => [r.spdxElementId, r.relationshipType, r.relatedSpdxElement, r.comment ?? ""].join("\u0000");
  const byKey = new Map(relationships.map((r) => [key(r), r]));
  return [...byKey.keys()].sort(cmp).map((k) => byKey.get(k)!);
}
