/** What `build` hands out: the UKIs, the kernel modules, the boot report and SHA256SUMS. */
import { dag, Directory, File, Secret } from "@dagger.io/dagger";
import { bootReportMarkdown, bootReportSvg } from "./boot/report.js";
import type { StageContext } from "./context.js";
import type { NodeExtensions } from "./extensions.js";
import { nodeInitramfs, nodeParts, nodeRootfs, nodeUki, SmokeBootResult, smokeBoot } from "./node.js";
import { buildKernel } from "./stages/kernel.js";
import { signEfi } from "./stages/sign.js";

/**
 * The whole build: every stage, the UKI signed with `key`, a smoke boot of
 * that very signed UKI under Secure Boot, and the release directory. `nonce`
 * forces a fresh smoke boot.
 */
export async function buildRelease(
  ctx: StageContext,
  inputs: { kernelSource?: Directory; key: Secret; cert: File; nonce?: string; ext: NodeExtensions },
): Promise<Directory> {
  const { unsigned, signed, modules } = await releaseUkis(ctx, inputs.kernelSource, inputs.ext, { key: inputs.key, cert: inputs.cert });
  const boot = await smokeBoot(ctx, signed!, inputs.cert, inputs.nonce);
  return releaseDirectory(ctx, { signed: signed!, unsigned, modules, report: reportDirectory(boot) });
}

/** A release's UKIs: parts, root, initramfs, UKI, and the UKI signed when a key is given. */
export async function releaseUkis(
  ctx: StageContext,
  kernelSource: Directory | undefined,
  ext: NodeExtensions,
  signing?: { key: Secret; cert: File },
): Promise<{ unsigned: File; signed?: File; modules: Directory }> {
  const [kernel, parts] = await Promise.all([buildKernel(ctx, kernelSource), nodeParts(ctx, ext)]);
  const unsigned = nodeUki(ctx, kernel, [nodeInitramfs(ctx, await nodeRootfs(ctx, parts, ext))], ext);
  return { unsigned, signed: signing && signEfi(ctx, unsigned, signing.key, signing.cert), modules: kernel.modules };
}

/** The smoke boot's report as data, Markdown and SVG, with the console and the test network's logs. */
export function reportDirectory(boot: SmokeBootResult): Directory {
  const dir = dag
    .directory()
    .withNewFile("report.md", bootReportMarkdown(boot.report))
    .withNewFile("report.svg", bootReportSvg(boot.report))
    .withNewFile("report.json", JSON.stringify(boot.report, null, 2) + "\n")
    .withNewFile("console.log", boot.run.console);
  return boot.run.networkLogs ? dir.withDirectory("network", boot.run.networkLogs) : dir;
}

export interface ReleaseParts {
  signed: File;
  unsigned: File;
  /** modules_install output: lib/modules/<release>/. */
  modules: Directory;
  report: Directory;
}

/** The release directory, with SHA256SUMS over every file in it. */
export function releaseDirectory(ctx: StageContext, parts: ReleaseParts): Directory {
  const files = dag
    .directory()
    .withFile("kios.efi", parts.signed)
    .withFile("kios-unsigned.efi", parts.unsigned)
    .withDirectory("modules", parts.modules)
    .withFile("boot-report.md", parts.report.file("report.md"))
    .withFile("boot-report.svg", parts.report.file("report.svg"))
    .withFile("boot-report.json", parts.report.file("report.json"));
  return ctx
    .toolchain([])
    .withDirectory("/release", files)
    .withWorkdir("/release")
    .withExec(["sh", "-ec", "find . -type f ! -name SHA256SUMS | LC_ALL=C sort | sed 's|^\\./||' | xargs sha256sum > SHA256SUMS"])
    .directory("/release");
}
