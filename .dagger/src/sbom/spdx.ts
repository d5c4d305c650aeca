/**
 * The parts of SPDX 2.3 JSON the SBOM uses, and the pure helpers around
 * them: stable JSON, checksums, the package verification code.
 */
import { createHash } from "node:crypto";

export interface Checksum {
  algorithm: string;
  checksumValue: string;
}

export interface ExternalRef {
  referenceCategory: string;
  referenceType: string;
  referenceLocator: string;
}

export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  supplier?: string;
  downloadLocation: string;
  filesAnalyzed?: boolean;
  packageVerificationCode?: { packageVerificationCodeValue: string; packageVerificationCodeExcludedFiles?: string[] };
  checksums?: Checksum[];
  sourceInfo?: string;
  licenseConcluded?: string;
  licenseDeclared?: string;
  copyrightText?: string;
  externalRefs?: ExternalRef[];
  primaryPackagePurpose?: string;
  comment?: string;
  [key: string]: unknown;
}

export interface SpdxFile {
  SPDXID: string;
  fileName: string;
  checksums: Checksum[];
  fileTypes?: string[];
  [key: string]: unknown;
}

export interface SpdxRelationship {
  spdxElementId: string;
  relatedSpdxElement: string;
  relationshipType: string;
  comment?: string;
}

export interface SpdxDocument {
  spdxVersion: string;
  dataLicense: string;
  SPDXID: string;
  name: string;
  documentNamespace: string;
  creationInfo: { licenseListVersion?: string; creators: string[]; created: string; comment?: string };
  packages?: SpdxPackage[];
  files?: SpdxFile[];
  relationships?: SpdxRelationship[];
  hasExtractedLicensingInfos?: { licenseId: string; extractedText: string; name?: string; comment?: string }[];
  [key: string]: unknown;
}

/** JSON with object keys sorted at every level and a final newline: equal data, equal bytes. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 1) + "\n";
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

export function sha256Hex(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

/** An npm integrity ("sha512-<base64>") as SPDX wants it: 128 lowercase hex digits. */
export function sha512FromIntegrity(integrity: string): string {
  const m = /^sha512-([A-Za-z0-9+/]+={0,2})$/.exec(integrity);
  const hex = m ? Buffer.from(m[1], "base64").toString("hex") : "";
  if (hex.length !== 128) throw new Error(`${JSON.stringify(integrity)}: expected an npm sha512 integrity (sha512-<base64 of 64 bytes>)`);
  return hex;
}

/** SPDX 2.3 §7.9: SHA1 over the sorted, concatenated SHA1s of a package's files. */
export function verificationCode(fileSha1s: string[]): string {
  return createHash("sha1").update([...fileSha1s].sort().join("")).digest("hex");
}

/** A file's checksum by algorithm; throws naming the file when it has none. */
export function fileChecksum(file: SpdxFile, algorithm: "SHA1" | "SHA256"): string {
  const c = file.checksums.find((x) => x.algorithm === algorithm);
  if (!c) throw new Error(`SBOM: file ${file.fileName} (${file.SPDXID}) has no ${algorithm} checksum`);
  return c.checksumValue;
}

/** A purl as an SPDX external reference. */
export function purlRef(purl: string): ExternalRef {
  return { referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: purl };
}

/** SPDX identifiers allow letters, digits, '.' and '-' after "SPDXRef-". */
export function spdxId(...parts: string[]): string {
  return `SPDXRef-${parts.join("-").replace(/[^A-Za-z0-9.-]+/g, "-")}`;
}
