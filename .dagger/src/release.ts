/** What `build` hands out: the UKIs, the kernel modules, the SBOM, the boot report and SHA256SUMS. */
import { dag, Directory, File } from "@dagger.io/dagger";
import { bootReportMarkdown, bootReportSvg } from "./boot/report.js";
import type { StageContext } from "./context.js";
import type { SmokeBootResult } from "./node.js";

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
  /** The SPDX SBOM (kios.spdx.json). */
  sbom: File;
  report: Directory;
  /** With a PCR key: ukify's predicted PCR 11 values per boot phase (pcr11.json). */
  pcr11?: File;
}

/** The release directory, with SHA256SUMS over every file in it. */
export function releaseDirectory(ctx: StageContext, parts: ReleaseParts): Directory {
  const files = dag
    .directory()
    .withFile("kios.efi", parts.signed)
    .withFile("kios-unsigned.efi", parts.unsigned)
    .withDirectory("modules", parts.modules)
    .withFile("kios.spdx.json", parts.sbom)
    .withFile("boot-report.md", parts.report.file("report.md"))
    .withFile("boot-report.svg", parts.report.file("report.svg"))
    .withFile("boot-report.json", parts.report.file("report.json"));
  const all = parts.pcr11 ? files.withFile("pcr11.json", parts.pcr11) : files;
  return ctx
    .toolchain([])
    .withDirectory("/release", all)
    .withWorkdir("/release")
    .withExec(["sh", "-ec", "find . -type f ! -name SHA256SUMS | LC_ALL=C sort | sed 's|^\\./||' | xargs sha256sum > SHA256SUMS"])
    .directory("/release");
}
