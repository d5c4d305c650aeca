/**
 * The SBOM's own entries, for what syft cannot see in the binaries: the
 * kernel's source, the Debian libraries linked statically into the init,
 * the mount helper, runc, kios-node and pause, the tools that compiled the
 * QuickJS programs, and kios-node's npm packages. Versions come from
 * build.toml and package-lock.json, the very pins the stages build with.
 */
import type { BuildConfig } from "../config/index.js";
import type { NpmPin } from "../stages/node-tools.js";
import { purlRef, sha512FromIntegrity, type SpdxPackage, type SpdxRelationship, spdxId } from "./spdx.js";

/** Where the kernel's source came from. */
export type KernelOrigin = "upstream" | "debian" | "given";

export interface OwnParts {
  kernelRelease: string;
  kernelOrigin: KernelOrigin;
  ownInit: boolean;
  config: BuildConfig;
  npm: NpmPin[];
  /** The SPDX identifier of a scanned file (scan name, path); throws when the scan has no such file. */
  fileId(scan: string, path: string): string;
}

/** Which binary links which Debian packages statically, and what compiled it. */
interface Linked {
  scan: string;
  path: string;
  debs: string[];
  tools?: string[];
  npm?: boolean;
}

const quickjsProgram = { debs: ["libquickjs", "libc6-dev"], tools: ["quickjs", "esbuild"] };

function linkedBinaries(ownInit: boolean): Linked[] {
  return [
    ...(ownInit ? [{ scan: "initramfs", path: "init", ...quickjsProgram, debs: [...quickjsProgram.debs, "libmnl-dev"] }] : []),
    { scan: "initramfs", path: "bin/mount", debs: ["libc6-dev"] },
    { scan: "initramfs", path: "bin/runc", debs: ["libseccomp-dev", "libc6-dev"] },
    { scan: "image-node-services", path: "bin/kios-node", ...quickjsProgram, npm: true },
    { scan: "image-pause", path: "pause", debs: ["libc6-dev"] },
  ];
}

const none = { licenseConcluded: "NOASSERTION", licenseDeclared: "NOASSERTION", copyrightText: "NOASSERTION" };

/** A Debian trixie package at its build.toml pin. */
function debianPackage(config: BuildConfig, name: string): SpdxPackage {
  const version = config.debian.packages[name];
  if (!version) throw new Error(`build.toml: debian.packages: no pinned version for ${name} (the SBOM names it)`);
  return {
    SPDXID: spdxId("deb", name),
    name,
    versionInfo: version,
    supplier: "Organization: Debian",
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    externalRefs: [purlRef(`pkg:deb/debian/${name}@${encodeURIComponent(version)}?arch=amd64&distro=debian-13`)],
    ...none,
  };
}

function kernelPackage(parts: OwnParts): SpdxPackage {
  const base = { SPDXID: "SPDXRef-kernel", name: "linux", versionInfo: parts.kernelRelease, primaryPackagePurpose: "OPERATING-SYSTEM", ...none };
  const { kernel, debian } = parts.config;
  if (parts.kernelOrigin === "upstream") {
    return {
      ...base,
      downloadLocation: kernel.tarball_url,
      checksums: [{ algorithm: "SHA256", checksumValue: kernel.tarball_sha256 }],
      sourceInfo: `built from the upstream tarball ${kernel.tarball_url} (build.toml [kernel])`,
      externalRefs: [purlRef(`pkg:generic/linux@${kernel.version}?download_url=${encodeURIComponent(kernel.tarball_url)}`)],
    };
  }
  if (parts.kernelOrigin === "debian") {
    const version = debian.packages["linux-source-6.12"]!;
    return {
      ...base,
      downloadLocation: "NOASSERTION",
      sourceInfo: `built from Debian's linux-source-6.12 ${version}`,
      externalRefs: [purlRef(`pkg:deb/debian/linux-source-6.12@${encodeURIComponent(version)}?arch=all&distro=debian-13`)],
    };
  }
  return { ...base, downloadLocation: "NOASSERTION", sourceInfo: "built from a kernel source tree given to the build" };
}

function npmPackage(pin: NpmPin): SpdxPackage {
  return {
    SPDXID: spdxId("npm", pin.name),
    name: pin.name,
    versionInfo: pin.version,
    supplier: "NOASSERTION",
    downloadLocation: pin.url,
    filesAnalyzed: false,
    checksums: [{ algorithm: "SHA512", checksumValue: sha512FromIntegrity(pin.integrity) }],
    externalRefs: [purlRef(`pkg:npm/${encodeURIComponent(pin.name)}@${pin.version}`)],
    ...none,
  };
}

/** The own packages and how they relate to the scanned files. */
export function ownPackages(parts: OwnParts): { packages: SpdxPackage[]; relationships: SpdxRelationship[] } {
  const packages = new Map<string, SpdxPackage>();
  const relationships: SpdxRelationship[] = [];
  const rel = (a: string, type: string, b: string) => relationships.push({ spdxElementId: a, relatedSpdxElement: b, relationshipType: type });

  const kernel = kernelPackage(parts);
  packages.set(kernel.SPDXID, kernel);
  const bzImage = parts.fileId("kernel", "bzImage");
  const config = parts.fileId("kernel", "config");
  rel(kernel.SPDXID, "CONTAINS", bzImage);
  rel(kernel.SPDXID, "CONTAINS", config);
  rel(bzImage, "GENERATED_FROM", config);

  const npm = parts.npm.map(npmPackage);
  for (const binary of linkedBinaries(parts.ownInit)) {
    const file = parts.fileId(binary.scan, binary.path);
    for (const name of binary.debs) {
      const deb = debianPackage(parts.config, name);
      packages.set(deb.SPDXID, deb);
      rel(file, "STATIC_LINK", deb.SPDXID);
    }
    for (const name of binary.tools ?? []) {
      const tool = debianPackage(parts.config, name);
      packages.set(tool.SPDXID, tool);
      rel(tool.SPDXID, "BUILD_TOOL_OF", file);
    }
    for (const p of binary.npm ? npm : []) {
      packages.set(p.SPDXID, p);
      rel(file, "CONTAINS", p.SPDXID);
    }
  }
  return { packages: [...packages.values()], relationships };
}
