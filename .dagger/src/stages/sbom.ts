/**
 * The release's SBOM: syft (build.toml [syft]) scans the initramfs tree
 * (root filesystem and the kernel's modules), the kernel (bzImage, .config)
 * and each image archive; sbom/merge.ts makes one SPDX 2.3 document of them
 * with what syft cannot see (the kernel's source and config, the init's
 * QuickJS, kios-node's npm packages, the Go components' versions); the SPDX
 * project's validator (pyspdxtools, build.toml [pypi.packages]) checks it.
 */
import { Container, dag, Directory, ExecError, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { type KernelOrigin, mergeSbom, type SyftScan } from "../sbom/merge.js";
import type { ImageArchive } from "./images.js";
import { packInitramfs } from "./initramfs.js";
import { nodeToolsNpmPackages, npmPins } from "./node-tools.js";
import { pypiPackages, withPypiTools } from "./pypi.js";
import { buildSyft } from "./syft.js";

export type { KernelOrigin };

/** Where the SBOM is on the node. */
export const NODE_SBOM_PATH = "usr/share/kios/sbom.spdx.json";

export interface SbomInputs {
  /** The root filesystem, as the initramfs archives hold it. */
  rootfs: Directory;
  /** The kernel: bzImage, final .config, modules tree (lib/modules/<release>/). */
  kernel: { bzImage: File; config: File; modules: Directory };
  /** Where the kernel's source came from. */
  kernelOrigin: KernelOrigin;
  /** The preloaded images, as archives. */
  images: ImageArchive[];
  /** Whether /init is kiOS's own (QuickJS), not a downstream's prebuilt one. */
  ownInit: boolean;
}

/** syft's settings: every file with SHA1 and SHA256 (SPDX wants SHA1), no update check. */
const syftEnv: Record<string, string> = {
  SYFT_CHECK_FOR_APP_UPDATE: "false",
  SYFT_FILE_METADATA_SELECTION: "all",
  SYFT_FILE_METADATA_DIGESTS: "sha1,sha256",
};

/** An image's scan name: image-<last part of its ref, no tag> (image-node-services). */
export function imageScanName(ref: string): string {
  return `image-${ref.split("/").pop()!.replace(/:.*$/, "")}`;
}

/** One `syft scan` per source, each to /out/<name>.json: the initramfs tree, the kernel, each image archive. */
function syftScans(ctx: StageContext, syft: File, inputs: SbomInputs, version: string): { container: Container; names: string[] } {
  let c = ctx
    .toolchain([])
    .withFile("/usr/local/bin/syft", syft, { permissions: 0o755 })
    .withDirectory("/scan/initramfs", inputs.rootfs.withDirectory(".", inputs.kernel.modules))
    .withFile("/scan/kernel/bzImage", inputs.kernel.bzImage)
    .withFile("/scan/kernel/config", inputs.kernel.config);
  for (const [k, v] of Object.entries(syftEnv)) c = c.withEnvVariable(k, v);
  const scans = [
    { name: "initramfs", source: "dir:/scan/initramfs", sourceName: "kios-initramfs" },
    { name: "kernel", source: "dir:/scan/kernel", sourceName: "kios-kernel" },
    ...inputs.images.map((image) => ({
      name: imageScanName(image.ref),
      source: `oci-archive:/scan/images/${imageScanName(image.ref)}.tar`,
      sourceName: image.ref.replace(/:[^/:]*$/, ""),
      archive: image.archive,
    })),
  ];
  c = c.withExec(["mkdir", "-p", "/out"]);
  for (const scan of scans) {
    if ("archive" in scan) c = c.withFile(`/scan/images/${scan.name}.tar`, scan.archive);
    c = c.withExec(["syft", "scan", "-q", scan.source, "--source-name", scan.sourceName, "--source-version", version, "-o", `spdx-json=/out/${scan.name}.json`]);
  }
  return { container: c, names: scans.map((s) => s.name) };
}

/** The SPDX document of a release (JSON), validated. */
export async function buildSbom(ctx: StageContext, inputs: SbomInputs): Promise<File> {
  const osRelease = await inputs.rootfs.file("etc/os-release").contents();
  const releases = await inputs.kernel.modules.directory("lib/modules").entries();
  if (releases.length !== 1) throw new Error(`SBOM: expected one kernel release in the modules tree, found ${JSON.stringify(releases)}`);
  const { container, names } = syftScans(ctx, await buildSyft(ctx), inputs, ctx.config.release.version);
  const syftVersion = (await container.withExec(["syft", "version"]).stdout()).match(/^Version:\s+(\S+)/m)?.[1] ?? "unknown";
  const out = container.directory("/out");
  const scans: SyftScan[] = await Promise.all(names.map(async (name) => ({ name, document: JSON.parse(await out.file(`${name}.json`).contents()) })));
  const text = mergeSbom({
    scans,
    osRelease,
    kernelRelease: releases[0]!.replace(/\/$/, ""),
    kernelOrigin: inputs.kernelOrigin,
    ownInit: inputs.ownInit,
    config: ctx.config,
    npm: npmPins(await ctx.source.file("package-lock.json").contents(), nodeToolsNpmPackages),
    syftVersion,
  });
  return validateSbom(ctx, dag.directory().withNewFile("kios.spdx.json", text).file("kios.spdx.json"));
}

/** `document` if pyspdxtools finds it a valid SPDX 2.3 document; else an error with the validator's findings. */
export async function validateSbom(ctx: StageContext, document: File): Promise<File> {
  const checker = await withPypiTools(ctx, ctx.toolchain(pypiPackages), ["spdx-tools"]);
  try {
    await checker.withFile("/sbom/doc.spdx.json", document).withExec(["pyspdxtools", "--version", "SPDX-2.3", "-i", "/sbom/doc.spdx.json"]).sync();
  } catch (e) {
    if (!(e instanceof ExecError) || e.cmd[0] !== "pyspdxtools") throw e;
    throw new Error(`SBOM: pyspdxtools (spdx-tools ${ctx.config.pypi.packages["spdx-tools"]!.version}) finds it invalid:\n${(e.stderr || e.stdout).trim()}`);
  }
  return document;
}

/** The SBOM at NODE_SBOM_PATH as a small initramfs archive of its own (the payload is not repacked for it). */
export function sbomInitramfs(ctx: StageContext, sbom: File): File {
  return packInitramfs(ctx, dag.directory().withFile(NODE_SBOM_PATH, sbom), { console: false, compression: "zstd" });
}
