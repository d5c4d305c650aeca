/**
 * SBOM figures, through the module's public functions:
 *
 * - sbom.packages: packages (components) in the release's SPDX document;
 *   sbom.files: its file entries (initramfs, kernel, image files).
 * - sbom.bytes: the JSON; sbom.zstd_bytes: the same compressed as the UKI's
 *   SBOM archive is (zstd -19), what the SBOM adds to the UKI, give or take
 *   the cpio header.
 *
 * syftFigures (group "syft"), apart because it is a long compile:
 * - syft.cold_s: syft, the SBOM's scanner, built with an empty Go build
 *   cache (the module cache stays warm).
 */
import { withKios } from "../tests/support/kios.js";
import { coldCaches, emptyVolumes, withCompileCaches } from "./build.js";
import type { Figures } from "./run.js";
import { timed } from "./timing.js";

export async function sbomFigures(): Promise<Figures> {
  return withKios(async (kios) => {
    const sbom = await kios.sbom();
    const doc = JSON.parse(await sbom.contents()) as { packages?: unknown[]; files?: unknown[] };
    const zstd = await (await kios.toolchain(["zstd"]))
      .withFile("/sbom.json", sbom)
      .withExec(["sh", "-c", "zstd -q -19 -c /sbom.json | wc -c"])
      .stdout();
    return {
      "sbom.packages": doc.packages?.length ?? 0,
      "sbom.files": doc.files?.length ?? 0,
      "sbom.bytes": await sbom.size(),
      "sbom.zstd_bytes": Number(zstd.trim()),
    };
  });
}

export async function syftFigures(): Promise<Figures> {
  return withKios(async (kios) => {
    const caches = coldCaches(`syft-${process.pid}-${Date.now()}`);
    try {
      const cold = await timed(() => withCompileCaches(kios, caches).syft().then((f) => f.sync()));
      return { "syft.cold_s": cold.s };
    } finally {
      await emptyVolumes(kios, caches);
    }
  });
}
