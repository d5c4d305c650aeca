/**
 * Kernel figures, from Debian trixie's kernel source (the upstream tarball
 * is out of reach offline) and the repository's kernel/ fragments:
 *
 * - kernel.warm_s: the stage called again with nothing changed.
 * - kernel.fragment_rebuild_s: one fragment changed (kernel/00-arch.config
 *   gets a LOCALVERSION of this run), with the shared ccache and build
 *   directory warm for this source.
 * - kernel.bzimage_bytes, kernel.modules_count.
 *
 * kernel.cold_s comes from the build group (bench/build.ts), which builds
 * every stage cold once.
 */
import { Kios } from "../.dagger/src/index.js";
import { withKios } from "../tests/support/kios.js";
import type { Figures } from "./run.js";
import { timed } from "./timing.js";

export async function kernelFigures(): Promise<Figures> {
  const figures: Figures = {};
  await withKios(async (kios) => {
    const { source } = kios;
    const kernelSource = await kios.kernelSource();
    const run = `${process.pid}-${Date.now()}`;
    await kios.kernel(kernelSource); // the module's own caches: built once if never before
    // kernel() waits for the build to finish, so its duration is the build's.
    const warm = await timed(() => kios.kernel(kernelSource));
    figures["kernel.warm_s"] = warm.s;
    figures["kernel.bzimage_bytes"] = await warm.result.bzImage.size();
    figures["kernel.modules_count"] = (await warm.result.modules.glob("**/*.ko")).length;

    const arch = await source.file("kernel/00-arch.config").contents();
    const changed = (tag: string) => new Kios(source.withNewFile("kernel/00-arch.config", `${arch}CONFIG_LOCALVERSION="-${tag}"\n`), kios.offline);
    // The kept build directory may hold another configuration's objects
    // (Dagger served the warm call): a first change brings it to this one,
    // the second is the rebuild measured.
    await changed(`a${run}`).kernel(kernelSource);
    figures["kernel.fragment_rebuild_s"] = (await timed(() => changed(`b${run}`).kernel(kernelSource))).s;
  });
  return figures;
}
